// Deep training from the studio: a person picks the CNN, sets a few hyperparameters,
// starts it, watches the engine and the live curves grow epoch by epoch, and sees the run in the list
// with its history; then cancels a second run and resumes it to the end.
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { writeToneClasses } from '../helpers/tone-classes'
import { serveNewProject, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  writeToneClasses(join(dir, 'audio'), 16)
  const project = join(dir, 'Tones.earmark')
  ;({ served, browser } = await serveNewProject(project, 'Tones', join(dir, 'audio')))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('deep training in the studio', () => {
  it('trains a CNN with live curves, then cancels and resumes another run', { timeout: 300_000 }, async () => {
    const studio = new StudioPage(await browser.newPage())
    await studio.open(served.url)
    const { page } = studio
    await page.getByTestId('tab-models').click()
    await page.getByTestId('train-model').selectOption('cnn')
    await page.getByTestId('train-param-epochs').fill('8')
    await page.getByTestId('train-param-batchSize').fill('8')
    await page.getByTestId('train-param-filters').fill('[8, 16]')
    await page.getByTestId('train-start').click()

    // The engine shows, and the curve gains points as epochs end.
    await expect
      .poll(() => page.getByTestId('training-engine').textContent(), { timeout: 120_000 })
      .toMatch(/^(tensorflow|wasm|cpu) \(TensorFlow\.js/)
    const points = page.locator('[data-testid="training-live"] circle.epoch-point.loss')
    await expect.poll(() => points.count(), { timeout: 120_000 }).toBeGreaterThanOrEqual(2)
    const early = await points.count()

    // The run ends; the live curve has every epoch it trained (early stopping may end it before 8),
    // and so has its history when opened from the list, where it is done, on its engine.
    const live = page.getByTestId('training-live')
    await expect.poll(() => live.getAttribute('data-state'), { timeout: 120_000 }).toBe('done')
    const trained = await points.count()
    await page.getByTestId('models-tab-runs').click()
    await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/cnn.*done/s)
    await page.getByTestId('run-1').click()
    const history = (await page.getByTestId('run-history').locator('h2').textContent()) ?? ''
    const epochs = Number(/(\d+) epochs of cnn/.exec(history)?.[1])
    expect(epochs).toBeGreaterThan(early)
    expect(trained).toBe(epochs)
    await expect.poll(() => page.locator('[data-testid="run-history"] circle.epoch-point.valLoss').count()).toBe(epochs)
    await page.getByTestId('run-detail').waitFor()
    await studio.screenshot('training-live')

    // A second run, cancelled after its second epoch, then resumed from its checkpoint.
    await page.getByTestId('models-tab-train').click()
    await page.getByTestId('train-param-epochs').fill('6')
    await page.getByTestId('train-start').click()
    await expect.poll(() => points.count(), { timeout: 120_000 }).toBeGreaterThanOrEqual(2)
    await page.getByTestId('train-cancel').click()
    await expect.poll(() => live.getAttribute('data-state'), { timeout: 60_000 }).toBe('cancelled')
    await page.getByTestId('models-tab-runs').click()
    await expect.poll(() => page.getByTestId('run-2').textContent(), { timeout: 60_000 }).toMatch(/cancelled/)
    await page.getByTestId('resume-2').click()
    await expect.poll(() => page.getByTestId('run-2').textContent(), { timeout: 120_000 }).toMatch(/done/)
    expect(await page.locator('[data-testid="runs"] tbody tr').count()).toBe(2)
    await page.getByTestId('run-2').click()
    await expect.poll(() => page.getByTestId('run-history').textContent()).toMatch(/\d epochs of cnn/)
    await studio.screenshot('training-resumed')
  })
})
