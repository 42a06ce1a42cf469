import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrainSummary } from '../../src/shared/evaluation'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { fsddFiles } from '../helpers/fsdd'
import { buildLongRecordings, writeRecordingsManifest } from '../helpers/long-recordings'
import { tempDir } from '../helpers/temp'
import { launchChromium, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  assertBuilt()
  // Long recordings of digits 0-2 without clip labels, their regions from Audacity label tracks.
  const dir = tempDir()
  const pick = (min: number, max: number) =>
    fsddFiles().filter((f) => ['0', '1', '2'].includes(f.digit) && f.take >= min && f.take <= max)
  const recordings = [
    ...buildLongRecordings({ seed: 1, dir, split: 'train', digits: pick(5, 12), seconds: { min: 12, max: 20 } }),
    ...buildLongRecordings({ seed: 2, dir, split: 'test', digits: pick(0, 3), seconds: { min: 12, max: 20 } }),
  ]
  const project = join(dir, 'Recordings.earmark')
  for (const args of [
    ['init', project, '--name', 'Recordings'],
    ['import', project, writeRecordingsManifest(dir, recordings), '--labels-from', 'csv'],
    ['labels', 'import', project, ...recordings.map((r) => r.labelPath), '--format', 'audacity'],
  ]) {
    const run = runEarmark(args)
    expect(run.code, run.stderr).toBe(0)
  }
  // The CLI's --json says how the windows were cut, and how many of each class each split has.
  const trained = runEarmark(['train', project, '--model', 'rf', '--from', 'regions', '--min-overlap', '0.6', '--json'])
  expect(trained.code, trained.stderr).toBe(0)
  const summary = JSON.parse(trained.stdout.trim().split('\n').pop()!) as TrainSummary
  expect(summary.windowing).toMatchObject({ minOverlap: 0.6, background: 'background' })
  expect(summary.windowing!.hop).toBeCloseTo(summary.windowing!.seconds / 4, 12)
  expect(Object.keys(summary.windowing!.windows['test']!).sort()).toEqual(['0', '1', '2', 'background'])
  served = await startServe([project])
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('training on regions in the studio', () => {
  it(
    'trains a forest on windows of regions chosen in the form, and the run says how it cut them',
    { timeout: 180_000 },
    async () => {
      const studio = new StudioPage(await browser.newPage())
      await studio.open(served.url)
      const { page } = studio
      await page.getByTestId('tab-models').click()
      // The window fields show only for regions.
      await expect(page.getByTestId('train-window').count()).resolves.toBe(0)
      await page.getByTestId('train-source').selectOption('regions')
      await page.getByTestId('train-window').fill('0.6')
      await page.getByTestId('train-hop').fill('0.15')
      // The split it would use: the recordings with regions, by the manifest's split column.
      await expect.poll(() => page.getByTestId('planned-split').textContent(), { timeout: 30_000 }).toMatch(/column/)
      await studio.screenshot('train-regions-form')
      await page.getByTestId('train-start').click()
      await page.getByTestId('models-tab-runs').click()
      // Run 1 is the command line's; the form's is run 2.
      await expect.poll(() => page.getByTestId('run-2').textContent(), { timeout: 120_000 }).toMatch(/done/)
      await page.getByTestId('open-run-2').click()
      await expect.poll(() => page.getByTestId('run-detail').textContent()).toMatch(/Run #2 on its test split/)
      await expect(page.getByTestId('run-examples').textContent()).resolves.toMatch(
        /Examples: windows of regions \(0\.6 s, hop 0\.15 s\).*over windows/s,
      )
      await page.getByTestId('confusion-matrix').waitFor()
      await expect(page.getByTestId('run-detail').textContent()).resolves.toMatch(/test windows/)
      const accuracy = Number((await page.getByTestId('run-accuracy').textContent())?.replace('%', ''))
      expect(accuracy).toBeGreaterThan(80)
      await studio.screenshot('train-regions-run')
    },
  )
})
