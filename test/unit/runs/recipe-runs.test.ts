import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type { FeatureSetInfo } from '../../../src/shared/feature-sets'
import type { RunDetail, RunPrediction, TrainSummary } from '../../../src/shared/evaluation'
import { trainingClips } from '../../../src/main/core/catalog/runs'
import { createSweep } from '../../../src/main/core/catalog/sweeps'
import { buildClipMap } from '../../../src/main/core/explorer/clip-map'
import {
  computeClipFeatures,
  loadFeatureMatrix,
  type ClipFeatureResult,
  type ClipFeatureTask,
} from '../../../src/main/core/feature-sets'
import {
  clipFacts,
  defaultFeatureSet,
  defaultSetParams,
  legacyDeepRecipe,
  legacyRecipe,
  recipeOf,
} from '../../../src/main/core/feature-sets/recipe'
import type { JobContext } from '../../../src/main/core/jobs/runner'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { predictFiles } from '../../../src/main/core/runs'
import { loadPredictableModel } from '../../../src/main/core/runs/artifacts'
import { prepareTraining, runTraining } from '../../../src/main/core/runs/train'
import { runSweep } from '../../../src/main/core/sweeps/run-sweep'
import { deepFeatureShape } from '../../../src/main/core/training/features'
import { FSDD } from '../../helpers/fsdd'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/**
 * A hum and a whistle, 24 clips each, 8 kHz: 0.25 s of near-silence, then 0.4 s of tone, then
 * silence again, at amplitudes from 0.05 to 0.6, so that trimming and peak normalisation change
 * what a summary vector holds.
 */
function writeClips(root: string): string[] {
  const random = mulberry32(11)
  const files: string[] = []
  for (const [label, low, high] of [
    ['hum', 220, 300],
    ['whistle', 1500, 2500],
  ] as const) {
    mkdirSync(join(root, label), { recursive: true })
    for (let i = 0; i < 24; i++) {
      const f = low + (high - low) * random()
      const amp = 0.05 + 0.55 * random()
      const samples = Float32Array.from({ length: 8000 }, (_, t) => {
        const noise = 0.002 * (random() * 2 - 1)
        return t >= 2000 && t < 5200 ? amp * Math.sin((2 * Math.PI * f * t) / 8000) + noise : noise
      })
      const path = join(root, label, `${label}${i}.wav`)
      writeFileSync(path, encodeWav([samples], 8000))
      files.push(path)
    }
  }
  return files
}

async function project() {
  const t = testService()
  close = () => t.service.close()
  const audio = join(t.dir, 'audio')
  const files = writeClips(audio)
  const imported = await t.call<JobInfo>('import:start', { source: audio })
  expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
  /** Computes in this thread, counting the clips whose features were not all in the cache. */
  const counter = { calls: 0, computed: 0 }
  const compute = async (task: ClipFeatureTask): Promise<ClipFeatureResult> => {
    counter.calls++
    const result = await computeClipFeatures(task)
    if (result.computed) counter.computed++
    return result
  }
  /** Runs work as a job of the service (so it has a job row), and waits for its result. */
  const asJob = async <T>(work: (context: JobContext) => Promise<T>): Promise<T> => {
    const job = t.service.jobs.start('train', {}, work)
    const finished = await t.service.jobs.wait(job.id)
    if (finished.state !== 'done') throw new Error(finished.error ?? finished.state)
    return (await t.call<{ result: T }>('jobs:get', { id: job.id })).result
  }
  return { ...t, files, counter, compute, asJob }
}

describe('one recipe from the feature cache to every consumer', () => {
  it('trains, sweeps and maps through the cached feature sets: a second pass computes nothing', async () => {
    const { service, call, projectPath, counter, compute, asJob } = await project()
    const catalog = service.catalog()
    const env = { db: catalog.db, projectPath, workers: 0, now: () => new Date(), compute }
    const train = () => {
      const prepared = prepareTraining(catalog.db, { model: 'rf', params: { trees: 20 }, seed: 1 })
      return asJob((context) => runTraining(env, prepared, context))
    }

    const first = await train()
    // Every clip computed once, into the project's cache, for the project's default set.
    expect(counter).toEqual({ calls: 48, computed: 48 })
    expect(first.featureSet).toMatchObject({ name: 'default', pipeline: [], input: { kind: 'summary' } })
    const sets = await call<FeatureSetInfo[]>('featureSets:list', {})
    expect(sets.map((s) => s.name)).toEqual(['default'])
    expect(first.featureSet.paramsHash).toBe(sets[0]!.paramsHash)

    const second = await train()
    expect(counter).toEqual({ calls: 96, computed: 48 })
    expect(second.featureSet.paramsHash).toBe(first.featureSet.paramsHash)

    // A sweep over the same set reads the same entries.
    const sweepId = createSweep(catalog.db, {
      model: 'rf',
      strategy: 'grid',
      trials: 1,
      seed: 0,
      cv: { kind: 'stratified', folds: 2, testFraction: 0.2 },
      metric: 'accuracy',
      space: { trees: [5] },
      fixed: {},
    })
    await asJob((context) => runSweep(catalog.db, sweepId, context, { workers: 1, projectPath, compute }))
    expect(counter.computed).toBe(48)
    expect(counter.calls).toBeGreaterThan(96)

    // So does the map, for the points and for the run's predictions.
    const before = counter.calls
    const map = await asJob((context) =>
      buildClipMap(catalog.db, { method: 'pca', seed: 0, runId: first.runId }, context, {
        projectPath,
        workers: 0,
        compute,
      }),
    )
    expect(map.points).toHaveLength(48)
    expect(map.points.every((p) => p.predicted !== null)).toBe(true)
    expect(counter.calls).toBe(before + 96)
    expect(counter.computed).toBe(48)
  })

  it('trains from a set with trim and normalize, records it, and predicts files exactly as evaluation did', async () => {
    const { service, call, files, projectPath, compute, counter } = await project()
    const base = defaultFeatureSet(service.catalog().db, 'summary')
    const pipeline = [
      { step: 'trim', topDb: 30 },
      { step: 'normalize', mode: 'peak' },
    ]
    await call('featureSets:create', { name: 'trimmed', pipeline, config: base.params.config })
    const job = await call<JobInfo>('train:start', { model: 'rf', params: { trees: 30 }, seed: 2, set: 'trimmed' })
    const finished = await service.jobs.wait(job.id)
    expect(finished.error).toBeNull()
    const summary = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
    const run = await call<RunDetail>('runs:get', { id: summary.runId })
    expect(run.featureSet).toMatchObject({
      name: 'trimmed',
      pipeline: [
        { step: 'trim', topDb: 30 },
        { step: 'normalize', mode: 'peak' },
      ],
      config: { sampleRate: 8000, nFft: 256 },
      input: { kind: 'summary' },
    })

    // Training computed the set's own entries (trimmed, normalized): reading them computes nothing.
    const ids = trainingClips(service.catalog().db).clips.map((c) => c.id)
    const trimmed = await loadFeatureMatrix(service.catalog(), 'trimmed', ids, 'summary', { compute })
    expect(counter.computed).toBe(0)
    expect(counter.calls).toBe(48)
    // What the model saw differs from the same features without the pipeline.
    const plain = await loadFeatureMatrix(service.catalog(), 'default', ids, 'summary')
    expect(trimmed.names).toEqual(plain.names)
    const rms = trimmed.names.indexOf('rms_mean')
    let differs = 0
    for (let r = 0; r < trimmed.nRows; r++) {
      if (Math.abs(trimmed.data[r * trimmed.nCols + rms]! - plain.data[r * plain.nCols + rms]!) > 1e-3) differs++
    }
    expect(differs).toBe(trimmed.nRows)

    // The run's files carry the set; predicting its test clips as files gives evaluation's numbers.
    const folder = join(projectPath, '..', 'test runs', `run-${run.id}`)
    const featuresJson = JSON.parse(readFileSync(join(folder, 'features.json'), 'utf8')) as { recipe: unknown }
    expect(featuresJson.recipe).toEqual(run.featureSet)
    const page = await call<{ rows: RunPrediction[] }>('runs:predictions', {
      id: run.id,
      split: 'test',
      order: 'clip',
      offset: 0,
      limit: 100,
    })
    expect(page.rows.length).toBeGreaterThan(5)
    const predicted = await predictFiles(
      folder,
      page.rows.map((r) => r.path),
      { workers: 1 },
    )
    page.rows.forEach((row, i) => {
      const p = predicted.predictions[i]!
      expect(p.predicted).toBe(row.predicted)
      predicted.labels.forEach((label, k) => expect(p.probabilities[label]).toBeCloseTo(row.probabilities[k]!, 6))
    })
    expect(files.length).toBe(48)
  })

  it('trains an LSTM on the default sequence set and predicts files as evaluation did', async () => {
    const { service, call, projectPath } = await project()
    const job = await call<JobInfo>('train:start', {
      model: 'lstm',
      params: { epochs: 2, lstmUnits: 8, batchSize: 16 },
      seed: 5,
    })
    const finished = await service.jobs.wait(job.id)
    expect(finished.error).toBeNull()
    const summary = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
    // 20 MFCCs and their deltas per frame, over the clips' one second (half-hop frames of 512 at 8 kHz).
    expect(summary.featureSet).toMatchObject({
      name: 'default-sequence',
      config: { sampleRate: 8000, nFft: 512, hop: 256, features: ['mfcc', 'mfcc_delta'] },
      input: { kind: 'sequence', frames: 32 },
    })
    const page = await call<{ rows: RunPrediction[] }>('runs:predictions', {
      id: summary.runId,
      split: 'test',
      order: 'clip',
      offset: 0,
      limit: 100,
    })
    const folder = join(projectPath, '..', 'test runs', `run-${summary.runId}`)
    const predicted = await predictFiles(
      folder,
      page.rows.map((r) => r.path),
      { workers: 1 },
    )
    page.rows.forEach((row, i) => {
      const p = predicted.predictions[i]!
      expect(p.predicted).toBe(row.predicted)
      predicted.labels.forEach((label, k) => expect(p.probabilities[label]).toBeCloseTo(row.probabilities[k]!, 6))
    })
  })

  it('refuses a set that cuts clips into segments, naming the step', async () => {
    const { call, service, asJob, projectPath } = await project()
    await call('featureSets:create', {
      name: 'windows',
      pipeline: [{ step: 'segment', mode: 'fixed', window: 0.25 }],
    })
    await expect(call('train:start', { model: 'rf', params: {}, seed: 0, set: 'windows' })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/windows cuts clips into segments.*without a segment step/),
    })
    await expect(call('train:start', { model: 'rf', params: {}, seed: 0, set: 'nope' })).rejects.toMatchObject({
      code: 'not-found',
    })
    // A sweep reads the set its spec names, and refuses it alike.
    const db = service.catalog().db
    const spec = { model: 'rf', strategy: 'grid', trials: 1, seed: 0, metric: 'accuracy', fixed: {} } as const
    const cv = { kind: 'stratified', folds: 2, testFraction: 0.2 } as const
    const sweepId = createSweep(db, { ...spec, cv, space: { trees: [5] }, set: 'windows' })
    await expect(asJob((context) => runSweep(db, sweepId, context, { workers: 1, projectPath }))).rejects.toThrow(
      /windows cuts clips into segments/,
    )
  })

  it('reads a run saved before runs kept sets as its configuration under an empty pipeline', async () => {
    const { service, call, projectPath, dir } = await project()
    const job = await call<JobInfo>('train:start', { model: 'rf', params: { trees: 10 }, seed: 3 })
    await service.jobs.wait(job.id)
    const summary = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
    const folder = join(projectPath, '..', 'test runs', `run-${summary.runId}`)
    // The same model with the features.json an older Earmark wrote: no recipe.
    const old = join(dir, 'old-run')
    mkdirSync(old)
    for (const name of readdirSync(folder)) copyFileSync(join(folder, name), join(old, name))
    const features = JSON.parse(readFileSync(join(folder, 'features.json'), 'utf8')) as Record<string, unknown>
    delete features['recipe']
    writeFileSync(join(old, 'features.json'), JSON.stringify(features))
    const loaded = await loadPredictableModel(old)
    expect(loaded.recipe).toMatchObject({ name: null, pipeline: [], input: { kind: 'summary' } })
    const clips = trainingClips(service.catalog().db)
      .clips.slice(0, 6)
      .map((c) => c.path)
    const now = await predictFiles(folder, clips, { workers: 0 })
    const before = await predictFiles(old, clips, { workers: 0 })
    expect(before.predictions).toEqual(now.predictions)

    // In the catalog, a run row without a set reads the same way.
    service.catalog().db.prepare('UPDATE runs SET feature_set = NULL WHERE id = ?').run(summary.runId)
    const run = await call<RunDetail>('runs:get', { id: summary.runId })
    expect(run.featureSet).toMatchObject({ name: null, pipeline: [], config: { sampleRate: 8000 } })
    expect(legacyRecipe(run.featureConfig).paramsHash).toBe(run.featureSet.paramsHash)

    // An old deep input recipe maps to the same shape it had.
    const deep = { kind: 'logmel', sampleRate: 8000, seconds: 1, nFft: 512, hop: 128, nMels: 64 } as const
    const recipe = legacyDeepRecipe({ ...deep, nMfcc: 20, deltas: 0 })
    // The old default CNN inputs are the new default image set: such a run predicts as it did.
    expect(recipe.paramsHash).toBe(
      recipeOf(null, defaultSetParams('image', clipFacts(service.catalog().db)), recipe.input).paramsHash,
    )
    expect(recipe.input).toEqual({
      kind: 'image',
      feature: 'logmel',
      frames: deepFeatureShape({ ...deep, nMfcc: 20, deltas: 0 })[0],
    })
  })

  it('makes the default sets from the data: 8000 Hz for fsdd’s 8 kHz digits', async () => {
    const t = testService()
    close = () => t.service.close()
    const audio = join(t.dir, 'fsdd')
    mkdirSync(audio)
    for (const name of readdirSync(FSDD).filter((n) => /^[01]_(george|jackson)_[0-4]\.wav$/.test(n))) {
      copyFileSync(join(FSDD, name), join(audio, name))
    }
    const imported = await t.call<JobInfo>('import:start', { source: audio })
    expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
    const db = t.service.catalog().db
    expect(clipFacts(db).sampleRate).toBe(8000)
    const summary = defaultFeatureSet(db, 'summary')
    expect(summary.params.config).toMatchObject({ sampleRate: 8000, nFft: 256, hop: 64, nMels: 40, nMfcc: 20 })
    const image = defaultFeatureSet(db, 'image')
    expect(image.params.config).toMatchObject({ sampleRate: 8000, nFft: 512, hop: 128, nMels: 64 })
    // The digits last under a second: images span one second.
    expect(image.params.pipeline).toMatchObject([
      { step: 'resample', sampleRate: 8000 },
      { step: 'fixLength', seconds: 1, mode: 'start' },
    ])
    const sets = await t.call<FeatureSetInfo[]>('featureSets:list', {})
    expect(sets.map((s) => s.name).sort()).toEqual(['default', 'default-image'])
  })
})
