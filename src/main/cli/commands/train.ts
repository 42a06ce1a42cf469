import { readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import { SingleBar } from 'cli-progress'
import type { JobProgressEvent } from '@shared/contract'
import { trainingSources, type TrainingSource } from '@shared/detection'
import { runModels, type RunModel, type TrainSummary } from '@shared/evaluation'
import { plural } from '@shared/plural'
import { ApiCallError } from '@shared/result'
import type { StudioService } from '../../core/service'
import { cliContext } from '../context'
import { printJson } from '../output'
import { waitForJob } from '../progress'

interface TrainOptions {
  model?: RunModel
  resume?: number
  param: Record<string, unknown>
  seed?: number
  set?: string
  features?: string
  testFraction?: number
  from?: TrainingSource
  window?: number
  hop?: number
  minOverlap?: number
  json?: boolean
}

/**
 * `earmark train PROJECT --model rf|gbdt|cnn|crnn|lstm|transfer`: trains a model on the project's
 * labelled clips; `--resume RUN` carries a cancelled or interrupted deep run on from its checkpoint.
 */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description("train a model on the project's labelled clips (or windows of its labeled regions) and record the run")
    .argument('<project>', 'project file')
    .option('--model <model>', `model: ${runModels.join(' | ')}`, parseModel)
    .option(
      '--resume <run>',
      'resume this cancelled, failed or interrupted deep-model run from its checkpoint',
      parseWhole,
    )
    .option(
      '--param <name=value>',
      'a hyperparameter, repeatable: rf trees, maxDepth, minSamplesLeaf, maxFeatures, classWeight; gbdt maxIter, learningRate, maxLeafNodes, maxDepth, minSamplesLeaf, l2, earlyStopping; cnn/crnn/lstm/transfer epochs, batchSize, learningRate, filters, lstmUnits, dropout, patience, … (see the README)',
      collectParam,
      {},
    )
    .option('--seed <n>', 'seed of the split (clips without one) and of the model', parseWhole)
    .option(
      '--set <name>',
      "the project's feature set to train from (see `earmark features`; default: the project's default set for the model, created from its clips)",
    )
    .option(
      '--features <file>',
      'a feature configuration (trees) or input recipe (deep models) as a JSON file, instead of a set',
    )
    .option(
      '--test-fraction <f>',
      'share tested among clips without a split (default 0.2): in whole groups when clips carry groups, else of each class',
      parseFraction,
    )
    .option(
      '--from <source>',
      'examples from whole clips and their labels (clips, the default) or from windows of labeled regions and boxes (regions)',
      parseSource,
    )
    .option(
      '--window <seconds>',
      'regions: window length (default: the 90th percentile of the regions’ lengths, 0.25-10 s)',
      parseSeconds,
    )
    .option('--hop <seconds>', 'regions: step between windows (default: a quarter of the window)', parseSeconds)
    .option(
      '--min-overlap <f>',
      'regions: share of the shorter of window and region a region must cover for the window to count for its class (default 0.5)',
      parseOverlap,
    )
    .option('--json', 'print the run summary as one JSON object on the last line')
    .action(async (project: string, opts: TrainOptions) => {
      const { service, call } = cliContext(project)
      try {
        if ((opts.model === undefined) === (opts.resume === undefined)) {
          throw new InvalidArgumentError('give either --model to train a new run or --resume RUN to resume one')
        }
        const features = opts.features === undefined ? undefined : readFeatures(opts.features)
        const misplaced = [
          ...(opts.window === undefined ? [] : ['--window']),
          ...(opts.hop === undefined ? [] : ['--hop']),
          ...(opts.minOverlap === undefined ? [] : ['--min-overlap']),
        ]
        if (opts.from !== 'regions' && misplaced.length > 0) {
          // A misused command: exits 2 with why, as commander's own usage errors do.
          throw new ApiCallError({
            code: 'invalid-input',
            message: `${misplaced.join(', ')} cut windows of regions: give --from regions`,
          })
        }
        const source = {
          ...(opts.from === undefined ? {} : { from: opts.from }),
          ...(opts.window === undefined ? {} : { window: opts.window }),
          ...(opts.hop === undefined ? {} : { hop: opts.hop }),
          ...(opts.minOverlap === undefined ? {} : { minOverlap: opts.minOverlap }),
        }
        if (opts.model !== undefined) {
          // Split hygiene before training: a group or audio on both sides makes the test score optimistic.
          const check = await call('train:check', {
            model: opts.model,
            params: opts.param,
            ...(opts.seed === undefined ? {} : { seed: opts.seed }),
            ...(opts.testFraction === undefined ? {} : { testFraction: opts.testFraction }),
            ...source,
          })
          if (check.leakage.leakingTestClips > 0) process.stderr.write(`warning: ${check.leakage.summary}\n`)
        }
        const job =
          opts.resume !== undefined
            ? await call('train:resume', { id: opts.resume })
            : await call('train:start', {
                model: opts.model as RunModel,
                params: opts.param,
                ...(opts.seed === undefined ? {} : { seed: opts.seed }),
                ...(opts.testFraction === undefined ? {} : { testFraction: opts.testFraction }),
                ...(opts.set === undefined ? {} : { set: opts.set }),
                ...(features === undefined ? {} : { features }),
                ...source,
              })
        const finished = await waitForJob(
          { service, call },
          job.id,
          showTrainingProgress(service, job.id),
          'training failed',
        )
        if (finished.state === 'cancelled') throw new Error('training was cancelled')
        const { result } = await call('jobs:get', { id: job.id })
        const summary = result as TrainSummary
        if (opts.json) printJson(summary)
        else {
          const run = await call('runs:get', { id: summary.runId })
          const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`)
          const w = summary.windowing
          console.log(
            [
              `Run ${summary.runId}: ${summary.model} (${summary.engine}) in ${summary.seconds.toFixed(1)} s${summary.epochs === null ? '' : `, ${plural(summary.epochs, 'epoch')}`}`,
              `  test accuracy ${pct(summary.metrics.accuracy)}, macro-F1 ${summary.metrics.macroF1?.toFixed(4) ?? 'n/a'}${w ? ' (over windows)' : ''}`,
              ...(w
                ? [
                    `  examples: windows of regions (${w.seconds} s, hop ${w.hop} s, overlap ${w.minOverlap}): ${Object.entries(
                      w.windows,
                    )
                      .map(([split, byClass]) => `${Object.values(byClass).reduce((a, b) => a + b, 0)} ${split}`)
                      .join(', ')}`,
                  ]
                : []),
              `  ${w ? 'recordings' : 'clips'}: ${Object.entries(run.clipCounts)
                .map(([split, n]) => `${n} ${split}`)
                .join(', ')} (${run.splitPolicy} split: ${run.splitMethod})`,
              `  features: ${run.featureSet.name ?? 'given inline'} (${run.featureSet.paramsHash})`,
              `  model: ${run.modelPath ?? 'not saved'}`,
            ].join('\n'),
          )
        }
      } finally {
        await service.close()
      }
    })
}

function parseModel(value: string): RunModel {
  if ((runModels as readonly string[]).includes(value)) return value as RunModel
  throw new InvalidArgumentError(`use ${runModels.join(' or ')}`)
}

/**
 * `name=value`: the value as JSON where it reads as JSON (300, 0.1, true, null, {"dog": 2}), else
 * as text (sqrt, balanced).
 */
function collectParam(pair: string, into: Record<string, unknown>): Record<string, unknown> {
  const at = pair.indexOf('=')
  if (at < 1) throw new InvalidArgumentError('write a hyperparameter as name=value, e.g. trees=300')
  const name = pair.slice(0, at).trim()
  const text = pair.slice(at + 1).trim()
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = text
  }
  return { ...into, [name]: value }
}

function parseSource(value: string): TrainingSource {
  if ((trainingSources as readonly string[]).includes(value)) return value as TrainingSource
  throw new InvalidArgumentError(`use ${trainingSources.join(' or ')}`)
}

function parseSeconds(value: string): number {
  const n = Number(value)
  if (!(Number.isFinite(n) && n > 0 && n <= 600)) throw new InvalidArgumentError('must be seconds above 0, at most 600')
  return n
}

function parseOverlap(value: string): number {
  const n = Number(value)
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('must be above 0 and at most 1')
  return n
}

function parseWhole(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more')
  return n
}

function parseFraction(value: string): number {
  const n = Number(value)
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be between 0 and 1')
  return n
}

function readFeatures(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new InvalidArgumentError(`--features ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * A progress bar on stderr (stdout stays clean for --json) that starts over at each stage:
 * computing features (clips), then growing trees, boosting (iterations) or training epochs
 * (batches). Deep runs also print the engine and one line per epoch, as Keras's fit does.
 */
function showTrainingProgress(service: StudioService, jobId: number): () => void {
  const bar = process.stderr.isTTY
    ? new SingleBar({
        stream: process.stderr,
        format: '{stage} {bar} {value}/{total} | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
      })
    : null
  let stage: string | undefined
  const stopBar = (): void => {
    if (bar && stage !== undefined) bar.stop()
    stage = undefined
  }
  const stops = [
    service.events.on('job:progress', (event: JobProgressEvent) => {
      if (!bar || event.jobId !== jobId || event.total === null) return
      if (stage === undefined) bar.start(event.total, event.done, { stage: event.message })
      else if (stage !== event.message) {
        bar.setTotal(event.total)
        bar.update(event.done, { stage: event.message })
      } else bar.update(event.done)
      stage = event.message
    }),
    service.events.on('job:log', (event) => {
      if (event.jobId !== jobId || event.level !== 'info') return
      stopBar()
      process.stderr.write(`${event.message}\n`)
    }),
    // Whole steps with a loss are a deep model's epochs (batches come at fractional steps).
    service.events.on('job:metrics', (event) => {
      if (event.jobId !== jobId || !Number.isInteger(event.step) || event.values['loss'] === undefined) return
      stopBar()
      process.stderr.write(`${epochLine(event.step, event.values)}\n`)
    }),
  ]
  return () => {
    stops.forEach((stop) => stop())
    stopBar()
  }
}

/** `epoch 3: loss 0.5120 accuracy 0.8310 valLoss 0.6004 valAccuracy 0.8000 (4.1 s)` */
function epochLine(epoch: number, values: Record<string, number>): string {
  const parts = ['loss', 'accuracy', 'valLoss', 'valAccuracy']
    .filter((name) => values[name] !== undefined)
    .map((name) => `${name} ${(values[name] as number).toFixed(4)}`)
  return `epoch ${epoch}: ${parts.join(' ')} (${(values['seconds'] ?? 0).toFixed(1)} s)`
}
