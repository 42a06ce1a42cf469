import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail, SplitSummary } from '../../src/shared/evaluation'
import { openCatalog } from '../../src/main/core/catalog/open'
import { getRun, runSplitPredictions } from '../../src/main/core/catalog/runs'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { FSDD, FSDD_PATTERN, isTestTake, setFsddTakeSplit } from '../helpers/fsdd'

/** The last line of a command's stdout, as JSON. */
const lastJson = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? 'null')

/** fsdd's own split: takes 0-4 of every digit and speaker are the test set. */

describe(`training on fsdd-dev`, { timeout: 300_000 }, () => {
  let dir: string
  let project: string
  const runs: Record<string, number> = {}

  beforeAll(() => {
    assertBuilt()
    dir = mkdtempSync(join(tmpdir(), 'earmark-train-'))
    project = join(dir, 'fsdd.earmark')
    expect(runEarmark(['init', project]).code).toBe(0)
    const imported = runEarmark(['import', project, FSDD, '--labels-from', `pattern:${FSDD_PATTERN}`, '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(lastJson(imported.stdout)).toMatchObject({ added: 1500 })
    // The pattern names label and speaker; the split follows from the take number.
    setFsddTakeSplit(project)
  }, 120_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** A run as recorded, its folder, and what it predicted for 12 of its test clips (by path). */
  function storedPredictions(runId: number): { run: RunDetail; runDir: string; expected: Map<string, string> } {
    const catalog = openCatalog(project)
    try {
      const run = getRun(catalog.db, runId)
      const paths = new Map(
        (catalog.db.prepare('SELECT id, path FROM clips').all() as { id: number; path: string }[]).map((c) => [
          c.id,
          c.path,
        ]),
      )
      const expected = new Map(
        runSplitPredictions(catalog.db, runId, 'test')
          .slice(0, 12)
          .map((p) => [paths.get(p.clipId)!, p.predicted]),
      )
      return { run, runDir: join(run.modelPath!, '..'), expected }
    } finally {
      catalog.close()
    }
  }

  for (const [model, params] of [
    ['rf', ['--param', 'trees=300']],
    ['gbdt', []],
  ] as const) {
    it(`trains ${model} to at least 95% test accuracy and prints the run summary as JSON`, () => {
      const trained = runEarmark(['train', project, '--model', model, ...params, '--seed', '0', '--json'])
      expect(trained.code, trained.stderr).toBe(0)
      const summary = lastJson(trained.stdout) as {
        runId: number
        model: string
        engine: string
        epochs: null
        seconds: number
        metrics: { accuracy: number; macroF1: number }
        split: SplitSummary
      }
      expect(Object.keys(summary)).toEqual([
        'runId',
        'model',
        'engine',
        'epochs',
        'seconds',
        'metrics',
        'split',
        'featureSet',
      ])
      // No set given: the project's default set, made from the clips (8 kHz digits: 8000 Hz).
      expect(summary).toMatchObject({
        featureSet: { name: 'default', pipeline: [], config: { sampleRate: 8000, nFft: 256 } },
      })
      expect(summary).toMatchObject({ model, engine: 'js', epochs: null })
      // fsdd's own split (takes 0-4) is the catalog's column; every speaker is on both sides of it.
      expect(summary.split).toEqual({
        policy: 'column',
        train: 1350,
        val: 0,
        test: 150,
        leakedGroups: ['george', 'jackson', 'lucas'],
        sharedContent: 0,
      })
      expect(summary.seconds).toBeGreaterThan(0)
      expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0.95)
      expect(summary.metrics.macroF1).toBeGreaterThanOrEqual(0.95)
      console.log(
        `fsdd-dev ${model}: test accuracy ${(100 * summary.metrics.accuracy).toFixed(2)}%, ` +
          `macro-F1 ${summary.metrics.macroF1.toFixed(4)}, ${summary.seconds.toFixed(1)} s`,
      )
      runs[model] = summary.runId

      // The run as recorded: fsdd's own split, every test clip's prediction, metrics matching the summary.
      const catalog = openCatalog(project)
      let run: RunDetail
      try {
        run = getRun(catalog.db, summary.runId)
        const predictions = runSplitPredictions(catalog.db, summary.runId, 'test')
        expect(predictions).toHaveLength(150)
        const paths = new Map(
          (catalog.db.prepare('SELECT id, path FROM clips').all() as { id: number; path: string }[]).map((c) => [
            c.id,
            c.path,
          ]),
        )
        for (const p of predictions) expect(isTestTake(paths.get(p.clipId)!)).toBe(true)
        const right = predictions.filter((p) => p.label === p.predicted).length
        expect(right / 150).toBe(summary.metrics.accuracy)
      } finally {
        catalog.close()
      }
      expect(run).toMatchObject({
        state: 'done',
        model,
        clipCounts: { train: 1350, test: 150 },
        splitMethod: 'the catalog split column',
        labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      })
      expect(run.metrics.test!.accuracy).toBe(summary.metrics.accuracy)
      expect(run.metrics.test!.macro.f1).toBe(summary.metrics.macroF1)
      expect(run.metrics.test!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(150)
    })
  }

  it(
    'trains the default CNN through the catalog to at least 97% test accuracy, and predicts files with its folder',
    { timeout: 1_200_000 },
    () => {
      const trained = runEarmark(['train', project, '--model', 'cnn', '--seed', '0', '--json'])
      expect(trained.code, trained.stderr).toBe(0)
      const summary = lastJson(trained.stdout) as {
        runId: number
        engine: string
        epochs: number
        seconds: number
        metrics: { accuracy: number }
      }
      expect(['tensorflow', 'wasm', 'cpu']).toContain(summary.engine)
      expect(trained.stderr).toMatch(new RegExp(`^training on ${summary.engine} \\(TensorFlow\\.js`, 'm'))
      console.log(
        `fsdd-dev cnn (catalog run): test accuracy ${(100 * summary.metrics.accuracy).toFixed(2)}%, ${summary.epochs} epochs on ${summary.engine}, ${summary.seconds.toFixed(1)} s`,
      )
      expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0.97)

      const { run, runDir, expected } = storedPredictions(summary.runId)
      // fsdd's test takes from the catalog; 10% of each digit's training takes held out for validation.
      expect(run.clipCounts.test).toBe(150)
      expect((run.clipCounts.train ?? 0) + (run.clipCounts.val ?? 0)).toBe(1350)
      expect(run.history).toHaveLength(summary.epochs)
      const predicted = runEarmark(['predict', runDir, ...expected.keys(), '--json'])
      expect(predicted.code, predicted.stderr).toBe(0)
      const result = lastJson(predicted.stdout) as { predictions: { path: string; predicted: string }[] }
      expect(new Map(result.predictions.map((p) => [p.path, p.predicted]))).toEqual(expected)
    },
  )

  it('predicts files with a run folder and with its export, as the run did', () => {
    const id = runs['gbdt']
    expect(id).toBeDefined()
    const { runDir, expected } = storedPredictions(id!)
    const files = [...expected.keys()]

    const predicted = runEarmark(['predict', runDir, ...files, '--json'])
    expect(predicted.code, predicted.stderr).toBe(0)
    const result = lastJson(predicted.stdout) as {
      labels: string[]
      predictions: { path: string; predicted: string }[]
    }
    expect(result.labels).toHaveLength(10)
    expect(new Map(result.predictions.map((p) => [p.path, p.predicted]))).toEqual(expected)

    const out = join(dir, 'export')
    const exported = runEarmark(['export', project, '--run', String(id), '--out', out, '--json'])
    expect(exported.code, exported.stderr).toBe(0)
    expect((lastJson(exported.stdout) as { files: string[] }).files.map((f) => basename(f))).toEqual([
      'model.json',
      'labels.json',
      'features.json',
      'run.json',
    ])
    const csv = runEarmark(['predict', join(out, 'model.json'), ...files, '--csv'])
    expect(csv.code, csv.stderr).toBe(0)
    const lines = csv.stdout.trim().split('\n')
    expect(lines[0]).toBe('path,predicted,0,1,2,3,4,5,6,7,8,9,error')
    for (const line of lines.slice(1)) {
      const [path, label] = line.split(',')
      expect(label).toBe(expected.get(path!))
    }
  })

  it('fails with a usage error on a misspelt hyperparameter', () => {
    const bad = runEarmark(['train', project, '--model', 'rf', '--param', 'tres=3', '--json'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/tres/)
    expect(bad.stdout).toBe('')
  })
})
