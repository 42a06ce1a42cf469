import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { encodeWav, tone } from '../helpers/wav-writer'
import { launchChromium, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  assertBuilt()
  const data = join(tempDir(), 'tones')
  const rate = 16000
  for (const [label, frequency] of [
    ['high', 1500],
    ['low', 300],
  ] as const) {
    mkdirSync(join(data, label), { recursive: true })
    for (let i = 0; i < 2; i++) {
      // A tone between stretches of quiet noise, so noise reduction and trimming have work to do.
      const n = rate
      const samples = new Float32Array(n)
      const body = tone(0.5, rate, frequency + 50 * i, 0.5)
      for (let j = 0; j < n; j++) samples[j] = 0.02 * Math.sin(j * 12.9898 + i) * Math.sin(j * 0.7)
      samples.set(
        body.map((v, j) => v + (samples[j + rate / 4] as number)),
        rate / 4,
      )
      writeFileSync(join(data, label, `${label}-${i}.wav`), encodeWav([samples], rate))
    }
  }
  const project = join(tempDir(), 'Features.earmark')
  expect(runEarmark(['init', project, '--name', 'Features']).code).toBe(0)
  expect(runEarmark(['import', project, data]).code).toBe(0)
  served = await startServe([project])
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('the Features view', () => {
  it('creates a feature set with a pipeline, computes it with progress, and shows a clip before and after', async () => {
    const studio = new StudioPage(await browser.newPage())
    await studio.open(served.url)
    const { page } = studio
    await page.getByTestId('tab-features').click()
    await page.getByTestId('features').waitFor()

    await page.getByTestId('set-name').fill('denoised mel')
    await page.getByTestId('add-step').selectOption('denoise')
    await page.getByTestId('add-step').selectOption('trim')
    await expect(page.getByTestId('step-1').textContent()).resolves.toContain('Trim silence')
    const topDb = page.getByTestId('step-1').locator('input').first()
    await topDb.fill('30')
    await topDb.dispatchEvent('change')
    await page.getByTestId('config-sampleRate').fill('16000')
    await page.getByTestId('config-sampleRate').dispatchEvent('change')
    await page.getByTestId('config-nMels').fill('64')
    await page.getByTestId('config-nMels').dispatchEvent('change')
    await page.getByTestId('feature-chroma').check()
    await page.getByTestId('set-save').click()
    await page.getByTestId('set-denoised mel').waitFor()

    await page.getByTestId('compute').click()
    await page.getByTestId('compute-summary').waitFor({ timeout: 60_000 })
    await expect(page.getByTestId('compute-summary').textContent()).resolves.toMatch(
      /Done: 4 computed, 0 cached, 4 rows/,
    )

    await page.getByTestId('image-logmel').locator('figcaption span').waitFor({ timeout: 30_000 })
    await expect(page.getByTestId('image-logmel').textContent()).resolves.toMatch(/64 × \d+ frames/)
    await expect(page.getByTestId('image-chroma').textContent()).resolves.toMatch(/12 × \d+ frames/)
    await expect(page.getByTestId('image-mfcc').textContent()).resolves.toMatch(/20 × \d+ frames/)
    // Both players point at audio the studio serves: the original and the preprocessed WAV.
    const original = await page.getByTestId('play-original').getAttribute('src')
    const processed = await page.getByTestId('play-preprocessed').getAttribute('src')
    expect(processed).toMatch(/\/media\/preprocessed\/\d+\?set=\d+$/)
    for (const src of [original, processed]) {
      const status = await page.evaluate(async (url) => (await fetch(url!)).status, src)
      expect(status).toBe(200)
    }
    // Trimming shortened the clip: the preprocessed waveform is shorter than the original's second.
    const seconds = await page.getByTestId('wave-preprocessed').locator('.head .muted').textContent()
    expect(Number.parseFloat(seconds ?? '')).toBeLessThan(1)
    await studio.screenshot('features-view')
  })

  it('refuses an invalid configuration with a message naming the field', async () => {
    const studio = new StudioPage(await browser.newPage())
    await studio.open(served.url)
    const { page } = studio
    await page.getByTestId('tab-features').click()
    await page.getByTestId('set-new').click()
    await page.getByTestId('set-name').fill('broken')
    await page.getByTestId('config-nFft').fill('1')
    await page.getByTestId('config-nFft').dispatchEvent('change')
    await page.getByTestId('set-save').click()
    await expect(page.getByTestId('features-error').textContent()).resolves.toMatch(/nFft/)
  })
})
