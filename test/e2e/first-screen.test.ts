import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { rawRequest } from '../helpers/http'
import { tempDir } from '../helpers/temp'
import { launchChromium, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }
let projectPath: string

beforeAll(async () => {
  assertBuilt()
  projectPath = join(tempDir(), 'Dawn chorus.earmark')
  expect(runEarmark(['init', projectPath, '--name', 'Dawn chorus']).code).toBe(0)
  served = await startServe([projectPath])
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('the studio in a browser (serve mode)', () => {
  it('shows the open project, its empty state, and lets a person add classes', async () => {
    const page = new StudioPage(await browser.newPage())
    await page.open(served.url)
    // The token is traded for a cookie and leaves the address bar.
    expect(page.page.url()).not.toContain('token=')
    await expect(page.projectName().textContent()).resolves.toBe('Dawn chorus')
    await expect(page.emptyState().textContent()).resolves.toContain('No audio yet')
    await expect(page.page.getByTestId('clip-count').textContent()).resolves.toBe('0')
    await expect(page.page.getByTestId('no-classes').isVisible()).resolves.toBe(true)

    await page.addClass('blackbird')
    await page.addClass('robin')
    await expect(page.page.getByTestId('class-count').textContent()).resolves.toBe('2')
    await expect(page.page.getByLabel('Key for robin').inputValue()).resolves.toBe('2')

    // A duplicate name is refused with the reason shown, and nothing changes.
    await page.page.getByTestId('new-class').fill('Robin')
    await page.page.getByTestId('add-class').click()
    await expect(page.page.getByTestId('error').textContent()).resolves.toMatch(/already exists/)
    await expect(page.page.getByTestId('class-count').textContent()).resolves.toBe('2')

    const shot = await page.screenshot('first-screen')
    expect(existsSync(shot)).toBe(true)

    // What the page did is in the catalog, as the CLI sees it.
    const info = JSON.parse(runEarmark(['info', projectPath, '--json']).stdout) as { classes: { name: string }[] }
    expect(info.classes.map((c) => c.name)).toEqual(['blackbird', 'robin'])
  })

  it('renames the project from the title', async () => {
    const page = new StudioPage(await browser.newPage())
    await page.open(served.url)
    await page.projectName().click()
    await page.page.getByTestId('project-name-input').fill('Dawn chorus 2026')
    await page.page.getByTestId('project-name-input').press('Enter')
    await page.page.getByText('Dawn chorus 2026', { exact: true }).waitFor()
    // And from the keyboard: the title takes the focus, and Enter opens the same field.
    await page.projectName().focus()
    await page.page.keyboard.press('Enter')
    await expect(page.page.getByTestId('project-name-input').inputValue()).resolves.toBe('Dawn chorus 2026')
  })

  it('answers 401 without the token and 403 to a foreign Host', async () => {
    const port = Number(new URL(served.url).port)
    const token = new URL(served.url).searchParams.get('token')
    expect((await rawRequest(port, { headers: { Host: `127.0.0.1:${port}` } })).status).toBe(401)
    expect((await rawRequest(port, { path: `/?token=${token}`, headers: { Host: 'attacker.example' } })).status).toBe(
      403,
    )
  })
})
