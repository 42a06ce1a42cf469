// Reliability target E11 (docs/reliability.md): hostile file names and labels
// are shown as text in the studio (no markup injected), and exported CSV cells that would run as
// spreadsheet formulas are escaped.
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { encodeWav, tone } from '../helpers/wav-writer'
import { launchChromium, StudioPage } from './studio'

const FILE = '<img src=x onerror="window.__xss=1">.wav'
const LABEL = '"><svg onload="window.__xss=2">'
const FORMULA_LABEL = '=HYPERLINK("evil.example","x")' // no slash: it is a folder name

let browser: Browser
let served: { url: string; child: ChildProcess }
let project: string
let dir: string

beforeAll(async () => {
  assertBuilt()
  dir = tempDir()
  const source = join(dir, 'audio')
  mkdirSync(join(source, LABEL), { recursive: true })
  mkdirSync(join(source, FORMULA_LABEL), { recursive: true })
  writeFileSync(join(source, LABEL, FILE), encodeWav([tone(0.2, 8000)], 8000))
  writeFileSync(join(source, FORMULA_LABEL, '@cmd.wav'), encodeWav([tone(0.2, 8000, 220)], 8000))
  project = join(dir, 'hostile.earmark')
  for (const args of [
    ['init', project],
    ['import', project, source],
  ]) {
    const run = runEarmark(args)
    expect(run.code, run.stderr).toBe(0)
  }
  served = await startServe([project])
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('E11 hostile names', () => {
  it('shows a hostile label and file name as text, injecting no element', async () => {
    const studio = new StudioPage(await browser.newPage())
    const dialogs: string[] = []
    studio.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    await studio.open(served.url)
    const { page } = studio
    await expect(page.getByTestId('class-list').textContent()).resolves.toContain(LABEL)
    await page.getByTestId('tab-library').click()
    // The list is virtual: wait for its rows, not only its frame.
    await page.locator('[data-testid^="row-"]').first().waitFor()
    await expect(page.getByTestId('clip-list').textContent()).resolves.toContain(FILE.replace(/\.wav$/, ''))
    // Page code as text: this file is type-checked without the DOM library.
    const injected = await page.evaluate(`({
      xss: window.__xss ?? null,
      img: document.querySelectorAll('img[src="x"]').length,
      svg: document.querySelectorAll('svg[onload]').length,
      handlers: document.querySelectorAll('[onerror],[onload]').length,
    })`)
    expect(injected).toEqual({ xss: null, img: 0, svg: 0, handlers: 0 })
    expect(dialogs).toEqual([])
    await page.close()
  })

  it('escapes exported CSV cells that begin with = + - @', () => {
    const out = join(dir, 'export')
    const run = runEarmark(['labels', 'export', project, '--format', 'csv', '--out', out])
    expect(run.code, run.stderr).toBe(0)
    const text = readFileSync(join(out, 'labels.csv'), 'utf8')
    expect(text).toContain(`'${FORMULA_LABEL.replace(/"/g, '""')}`)
    // No cell starts with a bare formula character.
    for (const line of text.split('\n').slice(1)) {
      for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+@]/)
    }
  })
})
