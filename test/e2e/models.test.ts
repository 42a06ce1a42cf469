import type { ChildProcess } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { FSDD, FSDD_MISSING, hasFsdd } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { launchChromium, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  if (!hasFsdd) return
  assertBuilt()
  // 300 clips of fsdd-dev (takes 0-9 of each speaker and digit), with its convention: takes 0-4 test.
  const dir = tempDir()
  const rows = readdirSync(FSDD)
    .map((name) => /^(\d)_([a-z]+)_(\d+)\.wav$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[3]) < 10)
    .map((m) => `${join(FSDD, m[0])},${m[1]},${m[2]},${Number(m[3]) < 5 ? 'test' : 'train'}`)
  const manifest = join(dir, 'manifest.csv')
  writeFileSync(manifest, ['path,label,group,split', ...rows].join('\n'))
  const project = join(dir, 'Digits.earmark')
  expect(runEarmark(['init', project, '--name', 'Digits']).code).toBe(0)
  const imported = runEarmark(['import', project, manifest, '--labels-from', 'csv'])
  expect(imported.code, imported.stderr).toBe(0)
  served = await startServe([project])
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe.skipIf(!hasFsdd)(`models in the studio (${hasFsdd ? FSDD : FSDD_MISSING})`, () => {
  it(
    'trains a forest, opens a confusion cell and its clips, runs a sweep and trains its best',
    { timeout: 300_000 },
    async () => {
      const studio = new StudioPage(await browser.newPage())
      await studio.open(served.url)
      const { page } = studio
      await page.getByTestId('tab-models').click()
      await page.getByTestId('train-start').click()
      await page.getByTestId('run-1').waitFor({ timeout: 120_000 })
      await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/done/)
      await page.getByTestId('run-1').click()
      await page.getByTestId('confusion-matrix').waitFor()
      const accuracy = Number((await page.getByTestId('run-accuracy').textContent())?.replace('%', ''))
      expect(accuracy).toBeGreaterThan(80)

      // The diagonal cell of digit 3: the clips behind it, walked by keyboard.
      const count = Number(await page.getByTestId('cell-3-3').textContent())
      expect(count).toBeGreaterThan(0)
      await page.getByTestId('cell-3-3').click()
      await expect.poll(() => page.getByTestId('cell-clip').count()).toBe(count)
      await expect(page.getByTestId('cell-clip').first().textContent()).resolves.toMatch(
        /^.*3_\w+_\d\.wav.*true 3.*predicted 3/s,
      )
      await page.keyboard.press('ArrowDown')
      await expect(page.getByTestId('cell-clip').nth(1).getAttribute('class')).resolves.toContain('active')
      await studio.screenshot('models-confusion')
      // The features the forest leans on, by name.
      await expect(page.getByTestId('importance-chart').textContent()).resolves.toMatch(/mfcc_\d+_(mean|std|min|max)/)

      // A two-trial grid sweep: rows fill in, then the best trains as a normal run.
      await page.getByTestId('sweep-spec').fill(
        JSON.stringify({
          model: 'rf',
          strategy: 'grid',
          cv: { kind: 'stratified', folds: 3 },
          space: { trees: [10, 40] },
        }),
      )
      await page.getByTestId('sweep-start').click()
      await page.getByTestId('sweep-trials').waitFor()
      for (const n of [0, 1]) {
        await expect
          .poll(() => page.getByTestId(`trial-${n}`).getAttribute('data-state'), { timeout: 120_000 })
          .toBe('done')
      }
      // Score against the swept parameter: one dot per finished trial.
      await expect(page.getByTestId('score-by-trees').locator('circle').count()).resolves.toBe(2)
      await page.getByTestId('sweep-train-best').click()
      await page.getByTestId('run-2').waitFor({ timeout: 120_000 })
      await expect.poll(() => page.getByTestId('run-2').textContent(), { timeout: 120_000 }).toMatch(/done/)
      await studio.screenshot('models-sweep')

      // Side by side: per-class F1 changes and the parameters that differ.
      await page.getByTestId('compare-1').check()
      await page.getByTestId('compare-2').check()
      await page.getByTestId('run-compare').waitFor()
      await expect(page.getByTestId('run-compare').textContent()).resolves.toMatch(/trees: 100 → (10|40)/)
    },
  )
})
