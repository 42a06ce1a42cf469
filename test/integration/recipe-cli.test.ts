import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { FSDD, FSDD_PATTERN, setFsddTakeSplit } from '../helpers/fsdd'

/** The last line of a command's stdout, as JSON. */
const lastJson = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? 'null')

/** fsdd's own split: takes 0-4 of every digit and speaker are the test set. */

interface Evaluation {
  labels: string[]
  predictions: { path: string; true: string; predicted: string; probabilities: Record<string, number> }[]
}

interface Predicted {
  labels: string[]
  predictions: { path: string; predicted: string | null; probabilities: Record<string, number>; error?: string }[]
}

/**
 * One recipe from a set to a prediction: a feature set with preprocessing, made with `earmark
 * features`, trains a run (`train --set`), which `export` carries, and `predict` on the exported
 * folder gives, for every test file, exactly the class and probabilities `evaluate` reports.
 */
describe('a feature set from training to predict', { timeout: 600_000 }, () => {
  let dir: string
  let project: string

  beforeAll(() => {
    assertBuilt()
    dir = mkdtempSync(join(tmpdir(), 'earmark-recipe-'))
    const audio = join(dir, 'audio')
    mkdirSync(audio)
    // Three digits by two speakers, 20 takes each: 120 clips, 30 of them test takes.
    for (const name of readdirSync(FSDD).filter((n) => /^[0-2]_(george|jackson)_(\d|1\d)\.wav$/.test(n))) {
      copyFileSync(join(FSDD, name), join(audio, name))
    }
    project = join(dir, 'digits.earmark')
    expect(runEarmark(['init', project]).code).toBe(0)
    const imported = runEarmark(['import', project, audio, '--labels-from', `pattern:${FSDD_PATTERN}`, '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(lastJson(imported.stdout)).toMatchObject({ added: 120 })
    setFsddTakeSplit(project)
  }, 120_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Trains from a set, exports the run, and checks predict against evaluate on the test files. */
  function trainExportPredict(model: string, set: string, params: string[]): void {
    const trained = runEarmark(['train', project, '--model', model, '--set', set, ...params, '--seed', '0', '--json'])
    expect(trained.code, trained.stderr).toBe(0)
    const summary = lastJson(trained.stdout) as { runId: number; featureSet: { name: string; pipeline: unknown[] } }
    expect(summary.featureSet.name).toBe(set)
    expect(summary.featureSet.pipeline.slice(0, 2)).toMatchObject([{ step: 'trim' }, { step: 'normalize' }])

    const out = join(dir, `export-${summary.runId}`)
    const exported = runEarmark(['export', project, '--run', String(summary.runId), '--out', out, '--json'])
    expect(exported.code, exported.stderr).toBe(0)
    // The export carries the set: features.json's recipe and run.json's featureSet.
    const features = JSON.parse(readFileSync(join(out, 'features.json'), 'utf8')) as { recipe: unknown }
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { featureSet: unknown }
    expect(features.recipe).toEqual(summary.featureSet)
    expect(runJson.featureSet).toEqual(summary.featureSet)

    const evaluated = runEarmark(['evaluate', project, '--run', String(summary.runId), '--json'])
    expect(evaluated.code, evaluated.stderr).toBe(0)
    const evaluation = lastJson(evaluated.stdout) as Evaluation
    expect(evaluation.predictions).toHaveLength(30)

    const predicted = runEarmark(['predict', out, ...evaluation.predictions.map((p) => p.path), '--json'])
    expect(predicted.code, predicted.stderr).toBe(0)
    const result = lastJson(predicted.stdout) as Predicted
    expect(result.labels).toEqual(evaluation.labels)
    evaluation.predictions.forEach((expected, i) => {
      const got = result.predictions[i]!
      expect(got.path).toBe(expected.path)
      expect(got.predicted, got.path).toBe(expected.predicted)
      for (const label of evaluation.labels) {
        expect(Math.abs(got.probabilities[label]! - expected.probabilities[label]!), label).toBeLessThan(1e-6)
      }
    })
  }

  it('trains a random forest from a set that trims and normalizes, and predicts files as evaluate did', () => {
    const made = runEarmark([
      'features',
      project,
      '--set',
      'trimmed',
      '--pipeline',
      JSON.stringify([
        { step: 'trim', topDb: 40 },
        { step: 'normalize', mode: 'peak' },
      ]),
      '--config',
      JSON.stringify({ sampleRate: 8000, nFft: 256, hop: 64, nMels: 40, features: ['mfcc', 'zcr', 'rms'] }),
      '--json',
    ])
    expect(made.code, made.stderr).toBe(0)
    expect(lastJson(made.stdout)).toMatchObject({ set: { name: 'trimmed' }, computed: 120, failed: [] })
    trainExportPredict('rf', 'trimmed', ['--param', 'trees=50'])
  })

  it('trains a CNN from a set of trimmed, normalized log-mels, and predicts files as evaluate did', () => {
    const made = runEarmark([
      'features',
      project,
      '--set',
      'trimmed-logmel',
      '--pipeline',
      JSON.stringify([
        { step: 'trim', topDb: 40 },
        { step: 'normalize', mode: 'peak' },
        { step: 'fixLength', seconds: 0.75 },
      ]),
      '--config',
      JSON.stringify({ sampleRate: 8000, nFft: 512, hop: 128, nMels: 32, features: ['logmel'] }),
      '--json',
    ])
    expect(made.code, made.stderr).toBe(0)
    trainExportPredict('cnn', 'trimmed-logmel', ['--param', 'epochs=2', '--param', 'filters=[8,16]'])
  })
})
