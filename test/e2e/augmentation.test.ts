// Input options in the studio: the training form groups a deep model's normalisation and
// augmentations, each with its default and one-line explanation; a run trained with one
// augmentation on says, in its detail, which augmentations and normalisation it used.
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUGMENTATION_PARAMS } from '../../src/shared/input-options'
import { assertBuilt, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { writeToneClasses } from '../helpers/tone-classes'
import { serveNewProject, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  writeToneClasses(join(dir, 'audio'), 8)
  const project = join(dir, 'Tones.earmark')
  ;({ served, browser } = await serveNewProject(project, 'Tones', join(dir, 'audio')))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('augmentation and normalisation in the studio', () => {
  it('names them in the form, trains with one on, and shows them in the run', { timeout: 300_000 }, async () => {
    const studio = new StudioPage(await browser.newPage())
    await studio.page.setViewportSize({ width: 1400, height: 1000 })
    await studio.open(served.url)
    const { page } = studio
    await page.getByTestId('tab-models').click()
    await page.getByTestId('train-model').selectOption('cnn')

    // Both groups, each option with its default and its explanation.
    const augmentation = page.getByTestId('train-group-augmentation')
    const normalisation = page.getByTestId('train-group-normalisation')
    await augmentation.waitFor()
    // The CNN's defaults, chosen for voices it never heard: two copies of each clip, the voice changed.
    await expect
      .poll(() => augmentation.locator('summary').textContent())
      .toMatch(/Augmentation\s*·\s*2 copies of each training clip \(pitch ±1 semitone, speed ±10%, VTLP ±10%\)/)
    const text = (await augmentation.textContent()) ?? ''
    // Every option the studio groups as augmentation is in the group.
    for (const name of AUGMENTATION_PARAMS) {
      expect(text).toContain(name)
    }
    expect(text).toMatch(/pitchShift\s*default 1/)
    expect(text).toMatch(/reverb\s*default 0/)
    expect(text).toMatch(/freqWarp\s*default 0\.1(?!\d)/)
    expect(text).toMatch(/noiseSnr\s*default none/)
    expect(text).toContain('semitones, keeping its length')
    expect(await normalisation.textContent()).toMatch(/normalize\s*default none.*cmvn/s)
    // Typing an augmentation says at once what the run will do.
    await page.getByTestId('train-param-epochs').fill('2')
    await page.getByTestId('train-param-batchSize').fill('8')
    await page.getByTestId('train-param-filters').fill('[8]')
    await page.getByTestId('train-param-augmentCopies').fill('1')
    for (const name of ['pitchShift', 'speed', 'vtlp']) await page.getByTestId(`train-param-${name}`).fill('0')
    await page.getByTestId('train-param-gain').fill('6')
    await page.getByTestId('train-param-normalize').selectOption('cmvn')
    await expect
      .poll(() => page.getByTestId('train-group-augmentation-state').textContent())
      .toMatch(/1 copy of each training clip \(gain ±6 dB\)/)
    await expect.poll(() => page.getByTestId('train-group-normalisation-state').textContent()).toMatch(/cmvn/)
    await studio.screenshot('augmentation-form')

    await page.getByTestId('train-start').click()
    const live = page.getByTestId('training-live')
    await expect.poll(() => live.getAttribute('data-state'), { timeout: 180_000 }).toBe('done')
    await page.getByTestId('models-tab-runs').click()
    await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 60_000 }).toMatch(/cnn.*done/s)
    await page.getByTestId('run-1').click()
    // The copies as asked, then the feature-level augmentations the CNN has by default.
    await expect
      .poll(() => page.getByTestId('run-augmentation').textContent())
      .toMatch(/^1 copy of each training clip \(gain ±6 dB\)\W+time shift ±10%\W+frequency warp ±10%.*mixup α 0\.2$/)
    expect(await page.getByTestId('run-normalisation').textContent()).toMatch(/^cmvn/)
    await page.getByTestId('run-detail').waitFor()
    await studio.screenshot('augmentation-run')
  })
})
