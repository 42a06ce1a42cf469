import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plural } from '@shared/plural'
import { makeAudioFixtures, type AudioFixtures } from '../helpers/audio-fixtures'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { launchChromium, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }
let fixtures: AudioFixtures
let projectPath: string

beforeAll(async () => {
  assertBuilt()
  fixtures = makeAudioFixtures(join(tempDir(), 'field recordings'))
  projectPath = join(tempDir(), 'Import.earmark')
  expect(runEarmark(['init', projectPath, '--name', 'Import']).code).toBe(0)
  served = await startServe([projectPath])
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('importing through the studio', () => {
  it('previews a folder, imports it with a progress bar that reaches the end, and the clip count follows', async () => {
    const studio = new StudioPage(await browser.newPage())
    await studio.open(served.url)
    const { page } = studio
    await expect(page.getByTestId('clip-count').textContent()).resolves.toBe('0')

    await page.getByTestId('tab-import').click()
    await page.getByTestId('import-source').fill(fixtures.root)
    await page.getByTestId('import-labels-from').selectOption('folder')
    await page.getByTestId('import-preview').click()
    await page.getByTestId('import-preview-panel').waitFor()
    const good = Object.values(fixtures.good).flat().length
    const total = good + Object.keys(fixtures.bad).length
    // The empty file and the text file named .wav are named before anything is written, and not counted.
    await expect(page.getByTestId('preview-total').textContent()).resolves.toBe(String(total - 2))
    const problems = await page.getByTestId('preview-problems').textContent()
    expect(problems).toMatch(/^\s*2 files will not be imported/)
    expect(problems).toContain('bad/empty.wav: empty file (0 bytes)')
    expect(problems).toContain('bad/notes.wav: not audio: the file is text')
    await expect(page.getByTestId('preview-classes').textContent()).resolves.toMatch(/high[\s\S]*low/)
    const sentence = await page.getByTestId('import-preview-panel').locator('p').first().innerText()
    expect(sentence).toBe(`${total - 2} audio files (folder layout), 3 classes.`)
    await studio.screenshot('import-preview-problems')

    await page.getByTestId('import-start').click()
    await page.getByTestId('import-summary').waitFor({ timeout: 60_000 })
    await expect(page.getByTestId('summary-added').textContent()).resolves.toBe(String(good))
    await expect(page.getByTestId('import-count').textContent()).resolves.toBe(`${total} / ${total} files`)
    const bar = page.getByTestId('import-bar')
    expect(
      await bar.evaluate((el) => [
        (el as unknown as { value: number; max: number }).value,
        (el as unknown as { value: number; max: number }).max,
      ]),
    ).toEqual([total, total])
    await expect(page.getByTestId('summary-failed').textContent()).resolves.toContain('empty file (0 bytes)')
    await expect(page.getByTestId('summary-warnings').textContent()).resolves.toContain('truncated')
    await studio.screenshot('import-summary')

    // A new preview is a new import: the last one's bar and summary go.
    await page.getByTestId('import-preview').click()
    await page.getByTestId('import-preview-panel').waitFor()
    await expect(page.getByTestId('import-progress').count()).resolves.toBe(0)
    // What is left to import: the broken files only the decoder finds (the others are in the project).
    const left = total - 2 - good
    expect((await page.getByTestId('import-start').textContent())?.trim()).toBe(`Import ${plural(left, 'file')}`)

    await page.getByTestId('tab-project').click()
    await expect.poll(() => page.getByTestId('clip-count').textContent(), { timeout: 10_000 }).toBe(String(good))
  })
})
