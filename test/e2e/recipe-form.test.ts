// The recipe a person builds is what trains: a feature set with trimming and normalisation,
// chosen in the training form, is the one the run records, shows and predicts with.
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, symlinkSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail } from '@shared/evaluation'
import type { FeatureSetInfo } from '@shared/feature-sets'
import { assertBuilt, stopServe } from '../helpers/cli'
import { fsddFiles, FSDD_PATTERN } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { LabelingPage } from './labeling-page'
import { serveNewProject } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  // 60 recordings: every digit by each of fsdd's three speakers, takes 0-1.
  const audio = join(dir, 'digits')
  mkdirSync(audio)
  for (const f of fsddFiles().filter((f) => f.take < 2)) symlinkSync(f.path, join(audio, basename(f.path)))
  ;({ served, browser } = await serveNewProject(join(dir, 'Digits.earmark'), 'Digits', audio, [
    '--labels-from',
    `pattern:${FSDD_PATTERN}`,
  ]))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('one recipe from the form to the run', () => {
  it(
    'trains from the feature set chosen in the form, and the run records and shows it',
    { timeout: 180_000 },
    async () => {
      const studio = new LabelingPage(await browser.newPage())
      await studio.page.setViewportSize({ width: 1280, height: 900 })
      await studio.open(served.url)
      const { page } = studio
      // The set as the Features tab saves it: trim the silence, then normalise the peak.
      const set = await studio.api<FeatureSetInfo>('featureSets:create', {
        name: 'trimmed',
        pipeline: [{ step: 'trim', topDb: 40 }, { step: 'normalize' }],
        config: { sampleRate: 8000, nFft: 256, hop: 128, nMels: 40, nMfcc: 13, features: ['mfcc', 'rms'] },
      })

      await page.getByTestId('tab-models').click()
      await page.getByTestId('train-model').selectOption('rf')
      await page.getByTestId('train-param-trees').fill('10')
      await expect
        .poll(() => page.getByTestId('train-feature-set').locator('option').allTextContents())
        .toContain('trimmed')
      await page.getByTestId('train-feature-set').selectOption('trimmed')
      await page.getByTestId('train-start').click()

      await page.getByTestId('models-tab-runs').click()
      await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/rf.*done/s)
      await page.getByTestId('run-1').click()
      await expect
        .poll(() => page.getByTestId('run-feature-set').textContent())
        .toMatch(/Features:\s*trimmed\s*·\s*trim → normalize\s*·\s*read as summary/)
      await studio.screenshot('recipe-form-run')

      // What the run recorded is the set as it was saved: its hash, its pipeline, its configuration.
      const run = await studio.api<RunDetail>('runs:get', { id: 1 })
      expect(run.featureSet.name).toBe('trimmed')
      expect(run.featureSet.paramsHash).toBe(set.paramsHash)
      expect(run.featureSet.pipeline.map((s) => s['step'])).toEqual(['trim', 'normalize'])
      expect(run.featureSet.pipeline[0]).toMatchObject({ step: 'trim', topDb: 40 })
      expect(run.featureSet.config).toMatchObject({ sampleRate: 8000, nMfcc: 13 })
    },
  )
})
