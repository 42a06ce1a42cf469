// Split hygiene in the studio: clips of four speakers are split by whole speakers by default; a
// random split written with the split editor puts speakers on both sides, the training form says
// so before Train is pressed, and the run keeps the warning.
import type { ChildProcess } from 'node:child_process'
import { readdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { writeToneClasses } from '../helpers/tone-classes'
import { serveNewProject, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }
const speakers = ['ana', 'ben', 'cleo', 'dev']

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  const audio = join(dir, 'audio')
  writeToneClasses(audio, 12)
  // hum/hum7.wav → hum/hum_dev_7.wav: every speaker says every class.
  for (const label of readdirSync(audio)) {
    for (const name of readdirSync(join(audio, label))) {
      const take = Number(/\d+/.exec(name)?.[0])
      renameSync(join(audio, label, name), join(audio, label, `${label}_${speakers[take % 4]}_${take}.wav`))
    }
  }
  const project = join(dir, 'Speakers.earmark')
  const pattern = 'pattern:(?<label>[a-z]+)_(?<group>[a-z]+)_\\d+\\.wav'
  ;({ served, browser } = await serveNewProject(project, 'Speakers', audio, ['--labels-from', pattern]))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('split leakage in the studio', () => {
  it('warns before training and in the run when speakers sit on both sides', { timeout: 180_000 }, async () => {
    const studio = new StudioPage(await browser.newPage())
    await studio.open(served.url)
    const { page } = studio
    await page.getByTestId('tab-models').click()

    // By default a whole speaker is held out: nothing leaks.
    const planned = page.getByTestId('planned-split')
    await expect.poll(() => planned.textContent()).toMatch(/27 training · 0 validation · 9 test clips/)
    await expect.poll(() => planned.getByTestId('planned-split-policy').textContent()).toMatch(/Policy: group/)
    expect(await planned.getByTestId('leakage').count()).toBe(0)

    // A stratified random split, written to the catalog with the split editor, puts speakers on both sides.
    await page.getByTestId('split-edit').click()
    await page.getByTestId('split-random').click()
    await expect.poll(() => page.getByTestId('split-result').textContent()).toMatch(/Split 36 clips at random/)
    await page.getByTestId('split-edit').click()
    await expect.poll(() => planned.textContent()).toMatch(/30 training · 0 validation · 6 test clips/)
    await expect.poll(() => planned.getByTestId('planned-split-policy').textContent()).toMatch(/Policy: column/)
    const warning = planned.getByTestId('leakage')
    await expect
      .poll(() => warning.locator('p').textContent())
      .toMatch(
        /^⚠ \d groups? ha(s|ve) clips in both training and test \((ana|ben|cleo|dev)(, [a-z]+)*\) — scores will be optimistic; hold whole groups out to test \(the Split editor, or earmark split --by group\)$/,
      )
    await warning.locator('summary').click()
    const rows = warning.getByTestId('leakage-groups').locator('tbody tr')
    expect(await rows.count()).toBeGreaterThanOrEqual(1)
    await expect(rows.first().textContent()).resolves.toMatch(/^(ana|ben|cleo|dev)\d+\dchirp, hum, whistle$/)

    // A deep model holds validation out of the training clips: the counts follow the model.
    await page.getByTestId('train-model').selectOption('cnn')
    await expect.poll(() => planned.textContent()).toMatch(/2[4-9] training · [1-6] validation · 6 test clips/)
    await page.getByTestId('train-model').selectOption('rf')
    await page.getByTestId('train-param-trees').fill('5')
    await studio.screenshot('split-leakage-form')

    // The run trains on exactly that split, and its detail keeps the warning with its groups.
    const before = await warning.locator('p').textContent()
    const formRows = await rows.count()
    await page.getByTestId('train-start').click()
    await page.getByTestId('models-tab-runs').click()
    await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/rf.*done/s)
    await page.getByTestId('run-1').click()
    const runWarning = page.getByTestId('run-detail').getByTestId('run-leakage')
    await expect.poll(() => runWarning.locator('p').textContent()).toBe(before)
    await runWarning.locator('summary').click()
    expect(await runWarning.getByTestId('leakage-groups').locator('tbody tr').count()).toBe(formRows)
    await studio.screenshot('split-leakage-run')
  })
})
