import type { ParamSpace, ParamValue } from './sweep-spec'
import type { SweepTrial } from './sweeps'

/**
 * The axes of a parallel-coordinates view of a sweep: one per swept parameter, then the score.
 * Each axis maps a trial to a position in [0, 1] (0 at the bottom), or null when the trial has
 * no value there (a conditional parameter left out, a score not in yet).
 */
export interface Axis {
  name: string
  kind: 'linear' | 'log' | 'categorical'
  /** Tick labels with their positions. */
  ticks: { at: number; label: string }[]
  position: (trial: SweepTrial) => number | null
}

const key = (v: ParamValue | undefined): string => JSON.stringify(v ?? null)
const label = (v: number): string =>
  Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(1) : String(+v.toPrecision(3))

function numericAxis(name: string, values: number[], log: boolean, read: (t: SweepTrial) => unknown): Axis {
  // No values yet (no trial has finished): an empty axis rather than one spanning Infinity.
  if (values.length === 0) return { name, kind: log ? 'log' : 'linear', ticks: [], position: () => null }
  const f = log ? Math.log : (v: number) => v
  const lo = Math.min(...values.map(f))
  const hi = Math.max(...values.map(f))
  const span = hi - lo || 1
  const at = (v: number) => (hi === lo ? 0.5 : (f(v) - lo) / span)
  const ends = values.length ? [Math.min(...values), Math.max(...values)] : []
  const middle = log ? Math.exp((lo + hi) / 2) : (lo + hi) / 2
  const ticks = [...new Set(hi === lo ? ends.slice(0, 1) : [...ends.slice(0, 1), middle, ...ends.slice(1)])]
  return {
    name,
    kind: log ? 'log' : 'linear',
    ticks: ticks.map((v) => ({ at: at(v), label: label(v) })),
    position: (trial) => {
      const v = read(trial)
      return typeof v === 'number' ? at(v) : null
    },
  }
}

/** A parameter's axis: numbers on a linear (log for log-uniform) scale; anything else as evenly spaced ticks. */
export function parameterAxis(name: string, space: ParamSpace | undefined, trials: readonly SweepTrial[]): Axis {
  const present = trials.filter((t) => name in t.params).map((t) => t.params[name])
  const listed = space === undefined ? [] : Array.isArray(space) ? space : 'choices' in space ? space.choices : []
  const range = space !== undefined && !Array.isArray(space) && !('choices' in space)
  const numbers = present.filter((v): v is number => typeof v === 'number')
  if (range && numbers.length === present.length) {
    const log = 'logUniform' in space
    const bounds = 'int' in space ? space.int : 'float' in space ? space.float : space.logUniform
    return numericAxis(name, [...bounds], log, (t) => t.params[name])
  }
  // Lists (and ranges that somehow hold non-numbers) are categories, in the list's order, then as seen.
  const categories = [...new Set([...listed, ...present].map(key))]
  const step = categories.length > 1 ? 1 / (categories.length - 1) : 0
  const at = (k: string) => (categories.length > 1 ? categories.indexOf(k) * step : 0.5)
  return {
    name,
    kind: 'categorical',
    ticks: categories.map((k) => ({ at: at(k), label: k.replace(/^"|"$/g, '') })),
    position: (trial) => (name in trial.params ? at(key(trial.params[name])) : null),
  }
}

/** The score axis, spanning the finished trials' scores. */
export function scoreAxis(metric: string, trials: readonly SweepTrial[]): Axis {
  const scores = trials.flatMap((t) => (t.score === null ? [] : [t.score]))
  return numericAxis(metric, scores, false, (t) => t.score)
}

/** A colour for a score's position in [0, 1]: viridis' dark purple through teal to yellow. */
export function scoreColor(at: number): string {
  const stops = [
    [68, 1, 84],
    [33, 145, 140],
    [253, 231, 37],
  ] as const
  const x = Math.min(1, Math.max(0, at)) * 2
  const i = Math.min(1, Math.floor(x))
  const [a, b] = [stops[i], stops[i + 1]] as [readonly number[], readonly number[]]
  const mix = (k: number) => Math.round((a[k] as number) + ((b[k] as number) - (a[k] as number)) * (x - i))
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`
}

/** Brushed ranges per axis, each [low, high] in [0, 1]. */
export type Brushes = Record<string, [number, number]>

/** The trials every brush keeps: on each brushed axis, a position inside its range. */
export function brushedTrials(axes: readonly Axis[], brushes: Brushes, trials: readonly SweepTrial[]): SweepTrial[] {
  const active = axes.filter((a) => brushes[a.name])
  return trials.filter((t) =>
    active.every((a) => {
      const p = a.position(t)
      const [lo, hi] = brushes[a.name] as [number, number]
      return p !== null && p >= lo - 1e-9 && p <= hi + 1e-9
    }),
  )
}
