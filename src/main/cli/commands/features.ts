import { readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import type { FeatureComputeSummary, FeatureSetInfo } from '@shared/feature-sets'
import { plural } from '@shared/plural'
import { loadAudio } from '../../core/audio'
import { featureClips } from '../../core/catalog/feature-sets'
import { loadFeatureMatrix, writeSummaryCsv } from '../../core/feature-sets'
import { logmelAndMfcc, type LogmelMfccParams } from '../../core/features'
import { cliContext, type CliContext } from '../context'
import { printJson } from '../output'
import { showJobProgress, waitForJob } from '../progress'

interface FeaturesOptions {
  set?: string
  config?: Record<string, unknown>
  pipeline?: unknown[]
  summary?: boolean
  csv?: string
  json?: boolean
  sr?: number
  nFft?: number
  hop?: number
  nMels?: number
  fmin?: number
  fmax?: number
  nMfcc?: number
  center: boolean
  padMode?: 'constant' | 'reflect'
}

/**
 * `earmark features PROJECT --set NAME`: computes a feature set for every clip of a project (and
 * with `--summary --csv OUT` writes the clip summary matrix); `earmark features FILE --json`:
 * one file's log-mel and MFCC as librosa computes them.
 */
export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description(
      'compute a feature set for a project (--set NAME), or print one audio file’s log-mel and MFCC as JSON (librosa’s numbers)',
    )
    .argument('<target>', 'project file (with --set), or an audio file')
    .option('--set <name>', 'feature set to compute; created when the project has none of that name')
    .option(
      '--config <json>',
      'feature configuration (JSON text or a .json file): creates or replaces the set’s',
      parseJsonObject,
    )
    .option(
      '--pipeline <json>',
      'preprocessing steps (JSON array, or a .json file): creates or replaces the set’s',
      parseJsonArray,
    )
    .option('--summary', 'with --csv: write the clip summary-feature matrix')
    .option('--csv <out>', 'where --summary writes: path,label,split then one column per feature (mfcc_3_mean…)')
    .option('--json', 'print one JSON object on stdout')
    .option('--sr <hz>', 'FILE: resample to this rate first (default: the file’s)', parseNumber)
    .option('--n-fft <n>', 'FILE: n_fft (default 2048)', parseNumber)
    .option('--hop <n>', 'FILE: hop_length (default n_fft / 4)', parseNumber)
    .option('--n-mels <n>', 'FILE: n_mels (default 128)', parseNumber)
    .option('--fmin <hz>', 'FILE: fmin (default 0)', parseNumber)
    .option('--fmax <hz>', 'FILE: fmax (default sr / 2)', parseNumber)
    .option('--n-mfcc <n>', 'FILE: n_mfcc (default 20)', parseNumber)
    .option('--center', 'FILE: centre the frames (default)')
    .option('--no-center', 'FILE: do not centre the frames')
    .option('--pad-mode <mode>', 'FILE: constant | reflect (default constant)', parsePadMode)
    .action(async (target: string, opts: FeaturesOptions) => {
      if (opts.set === undefined) return printFileFeatures(target, opts)
      if (opts.csv !== undefined && !opts.summary) throw new InvalidArgumentError('--csv needs --summary')
      const context = cliContext(target)
      try {
        await computeProjectSet(context, opts.set, opts)
      } finally {
        await context.service.close()
      }
    })
}

async function computeProjectSet(context: CliContext, name: string, opts: FeaturesOptions): Promise<void> {
  const { service, call } = context
  await call('project:get', {})
  const sets = await call('featureSets:list', {})
  const existing = sets.find((s) => s.name.toLowerCase() === name.toLowerCase())
  const changes = {
    ...(opts.config === undefined ? {} : { config: opts.config }),
    ...(opts.pipeline === undefined ? {} : { pipeline: opts.pipeline as never }),
  }
  let set: FeatureSetInfo
  if (!existing) set = await call('featureSets:create', { name, ...changes })
  else if (Object.keys(changes).length > 0) set = await call('featureSets:update', { id: existing.id, ...changes })
  else set = existing
  if (!opts.json) console.error(`Feature set ${set.name} (${set.paramsHash})`)

  const job = await call('featureSets:compute', { id: set.id })
  const finished = await waitForJob(
    { service, call },
    job.id,
    showJobProgress(service, job.id, 'clips'),
    'computing features failed',
  )
  if (finished.state === 'cancelled') throw new Error('computing features was cancelled')
  const summary = (await call('jobs:get', { id: job.id })).result as FeatureComputeSummary

  let csv: { path: string; rows: number; columns: number } | undefined
  if (opts.summary && opts.csv !== undefined) {
    const catalog = service.catalog()
    const clipIds = featureClips(catalog.db).map((c) => c.id)
    // Everything is in the cache now: this reads it (a clip that failed above is left out again).
    const matrix = await loadFeatureMatrix(catalog, set.id, clipIds, 'summary')
    if (matrix.kind !== 'summary') throw new Error('expected a summary matrix')
    const rows = await writeSummaryCsv(catalog, matrix, opts.csv)
    csv = { path: opts.csv, rows, columns: matrix.nCols }
  }
  if (opts.json) {
    printJson({ set, ...summary, ...(csv ? { csv } : {}) })
    return
  }
  const lines = [
    `Computed ${plural(summary.computed, 'clip')}, ${summary.cached} already cached, ${plural(summary.rows, 'row')} in ${summary.seconds.toFixed(1)} s`,
  ]
  if (csv) lines.push(`Wrote ${plural(csv.rows, 'row')} x ${plural(csv.columns, 'feature')} to ${csv.path}`)
  if (summary.failed.length) {
    lines.push(`Could not compute ${plural(summary.failed.length, 'clip')}:`)
    for (const f of summary.failed.slice(0, 50)) lines.push(`  ${f.path}: ${f.reason}`)
  }
  console.log(lines.join('\n'))
  if (summary.failed.length > 0 && summary.computed + summary.cached === 0) process.exitCode = 1
}

/** `earmark features FILE`: librosa's log-mel and MFCC of one file (mixed to mono), as one JSON object. */
async function printFileFeatures(path: string, opts: FeaturesOptions): Promise<void> {
  if (opts.summary || opts.csv !== undefined || opts.config !== undefined || opts.pipeline !== undefined) {
    throw new InvalidArgumentError('--summary, --csv, --config and --pipeline need --set NAME and a project')
  }
  const audio = await loadAudio(path, { mono: true, ...(opts.sr === undefined ? {} : { sampleRate: opts.sr }) })
  const samples = audio.channels[0] ?? new Float32Array(0)
  const params: LogmelMfccParams = {
    center: opts.center,
    ...(opts.nFft === undefined ? {} : { nFft: opts.nFft }),
    ...(opts.hop === undefined ? {} : { hop: opts.hop }),
    ...(opts.nMels === undefined ? {} : { nMels: opts.nMels }),
    ...(opts.fmin === undefined ? {} : { fmin: opts.fmin }),
    ...(opts.fmax === undefined ? {} : { fmax: opts.fmax }),
    ...(opts.nMfcc === undefined ? {} : { nMfcc: opts.nMfcc }),
    ...(opts.padMode === undefined ? {} : { padMode: opts.padMode }),
  }
  printJson(logmelAndMfcc(samples, audio.sampleRate, params))
}

function readJson(value: string): unknown {
  const text = /^\s*[[{]/.test(value) ? value : readFileSync(value, 'utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function parseJsonObject(value: string): Record<string, unknown> {
  const parsed = readJson(value)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object, e.g. {"nMfcc": 13}')
  }
  return parsed as Record<string, unknown>
}

function parseJsonArray(value: string): unknown[] {
  const parsed = readJson(value)
  if (!Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON array of steps, e.g. [{"step":"trim"}]')
  return parsed
}

function parseNumber(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number')
  return n
}

function parsePadMode(value: string): 'constant' | 'reflect' {
  if (value !== 'constant' && value !== 'reflect') throw new InvalidArgumentError('use constant or reflect')
  return value
}
