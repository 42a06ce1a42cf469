/**
 * What every benchmark ends with when run with `--json`: one line
 * `{"bench", "machine", "figures", "ratios"}` on stdout, also written to bench/results/NAME.json
 * (formatted as the repository's prettier settings format it, so the committed file stays as
 * written). `figures` are the measured numbers, each key naming its unit (`trainSamplesPerSecond`,
 * `fitSeconds`); `ratios` are Earmark's figure over its reference's, so that above 1 Earmark is
 * the faster. `machine` says where and when: cpu, cores, Node, the engine and reference measured,
 * and the load average before and after, since the benchmarks often share a small machine.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, platform, arch } from 'node:os'
import { join } from 'node:path'
import * as prettier from 'prettier'

/** Whether the run was asked for its JSON line (`npm run bench -- NAME --json`). */
export const json = process.argv.includes('--json')

/** The load average when the benchmark's module loaded, before any measuring. */
const loadAtStart = loadavg()

/** The machine block's parts a benchmark supplies. */
export interface MachineNotes {
  /** What ran on Earmark's side, e.g. "tfjs 4.22.0 wasm (SIMD), 1 thread". */
  engine: string
  /** What it was compared with, e.g. "torch 1.13.1, 1 thread"; null where nothing was. */
  reference: string | null
  /** How the two sides shared the cores, in a sentence (threads, processes, workers). */
  parallelism?: string
}

/** A benchmark's outcome: numbers (units in the key names), and Earmark/reference ratios (>1 = Earmark faster). */
export interface BenchReport {
  machine: MachineNotes
  figures: Record<string, unknown>
  ratios: Record<string, number | null>
}

const round = (v: number, digits = 2): number => Number(v.toFixed(digits))

/** Numbers kept to 4 significant digits: the benchmarks do not measure finer than that. */
function tidy(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? Number(value.toPrecision(4)) : null
  if (Array.isArray(value)) return value.map(tidy)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tidy(v)]))
  }
  return value
}

/**
 * The commit measured, marked `+changes` when tracked files outside the results differ from it:
 * a figure measured on a working tree is not that commit's.
 */
function commit(): string | null {
  const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: 'pipe' }).trim()
  try {
    const head = git('rev-parse', '--short', 'HEAD')
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results')
    return changed === '' ? head : `${head}+changes`
  } catch {
    return null
  }
}

/**
 * Prints the benchmark's JSON line as its last line and writes bench/results/NAME.json, when run
 * with `--json`; does nothing otherwise (the human-readable lines are already printed).
 */
export async function finish(bench: string, report: BenchReport): Promise<void> {
  if (!json) return
  const cpu = cpus()[0]
  const machine = {
    cpu: cpu?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    platform: `${platform()} ${arch()}`,
    node: process.version,
    ...report.machine,
    loadAverage: { start: loadAtStart.map((v) => round(v)), end: loadavg().map((v) => round(v)) },
    measuredAt: new Date().toISOString(),
    commit: commit(),
  }
  const line = { bench, machine, figures: tidy(report.figures), ratios: tidy(report.ratios) }
  const text = JSON.stringify(line)
  const dir = join(import.meta.dirname, 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${bench}.json`)
  const options = (await prettier.resolveConfig(file)) ?? {}
  writeFileSync(file, await prettier.format(text, { ...options, parser: 'json', filepath: file }))
  console.log(text)
}

/** Earmark's figure over the reference's (rates), or null where the reference was not measured. */
export function ratio(earmark: number, reference: number | null | undefined): number | null {
  return reference && Number.isFinite(reference) && reference > 0 ? earmark / reference : null
}

/** The median of some measurements. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length === 0) return NaN
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
