import type { Condition, ParamSpace, ParamValue } from '@shared/sweep-spec'
import type { Random } from '../models/trees/random'

export type Params = Record<string, ParamValue>

/** A dimension in a normal form: choices, or a numeric range (log-scaled or not, integer or not). */
export type Dimension =
  | { name: string; kind: 'choice'; choices: ParamValue[]; when?: Condition }
  | {
      name: string
      kind: 'range'
      low: number
      high: number
      log: boolean
      step: number | null
      when?: Condition
    }

export function dimensionOf(name: string, space: ParamSpace): Dimension {
  if (Array.isArray(space)) return { name, kind: 'choice', choices: space }
  const base = space.when ? { when: space.when } : {}
  if ('choices' in space) return { name, kind: 'choice', choices: space.choices, ...base }
  if ('int' in space) {
    return { name, kind: 'range', low: space.int[0], high: space.int[1], log: false, step: space.step ?? 1, ...base }
  }
  if ('float' in space)
    return { name, kind: 'range', low: space.float[0], high: space.float[1], log: false, step: null, ...base }
  return { name, kind: 'range', low: space.logUniform[0], high: space.logUniform[1], log: true, step: null, ...base }
}

/**
 * The dimensions in an order where each comes after those its `when` names, so a trial's values
 * can be drawn front to back. A dependency cycle is an error the spec's author must fix.
 */
export function orderedDimensions(space: Record<string, ParamSpace>): Dimension[] {
  const dimensions = new Map(Object.entries(space).map(([name, s]) => [name, dimensionOf(name, s)]))
  const ordered: Dimension[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (name: string, path: string[]): void => {
    const dimension = dimensions.get(name)
    if (!dimension || state.get(name) === 'done') return
    if (state.get(name) === 'visiting')
      throw new Error(`the space's conditions form a cycle: ${[...path, name].join(' → ')}`)
    state.set(name, 'visiting')
    for (const other of Object.keys(dimension.when ?? {})) visit(other, [...path, name])
    state.set(name, 'done')
    ordered.push(dimension)
  }
  for (const name of dimensions.keys()) visit(name, [])
  return ordered
}

/** Whether a conditional dimension applies, given the values drawn (or fixed) so far. */
export function isActive(dimension: Dimension, params: Params): boolean {
  if (!dimension.when) return true
  return Object.entries(dimension.when).every(([other, wanted]) => {
    if (!(other in params)) return false
    const value = params[other] ?? null
    return Array.isArray(wanted) ? wanted.some((w) => w === value) : wanted === value
  })
}

/** Snaps a number into the dimension: clamped, and on its integer step. */
export function snap(dimension: Extract<Dimension, { kind: 'range' }>, value: number): number {
  const clamped = Math.min(dimension.high, Math.max(dimension.low, value))
  if (dimension.step === null) return clamped
  const steps = Math.round((clamped - dimension.low) / dimension.step)
  return Math.min(dimension.high, dimension.low + steps * dimension.step)
}

/** A uniform draw from one dimension (log-uniform for logUniform ranges). */
export function sampleDimension(dimension: Dimension, random: Random): ParamValue {
  if (dimension.kind === 'choice') return dimension.choices[Math.floor(random() * dimension.choices.length)] ?? null
  if (dimension.step !== null) {
    const count = Math.floor((dimension.high - dimension.low) / dimension.step) + 1
    return dimension.low + Math.floor(random() * count) * dimension.step
  }
  if (dimension.log) {
    const [a, b] = [Math.log(dimension.low), Math.log(dimension.high)]
    return Math.exp(a + random() * (b - a))
  }
  return dimension.low + random() * (dimension.high - dimension.low)
}

/** One random configuration: fixed values, then each active dimension drawn in order. */
export function sampleParams(dimensions: Dimension[], fixed: Params, random: Random): Params {
  const params: Params = { ...fixed }
  for (const dimension of dimensions)
    if (isActive(dimension, params)) params[dimension.name] = sampleDimension(dimension, random)
  return params
}

/** A stable key of a configuration, to recognise one already tried. */
export function paramsKey(params: Params): string {
  return JSON.stringify(
    Object.keys(params)
      .sort()
      .map((k) => [k, params[k]]),
  )
}
