// Tree-structured Parzen estimator (Bergstra et al., 2011), in the form of Optuna's default
// independent sampler: each dimension is modelled on its own from the finished trials, split into
// the best γ and the rest; candidates are drawn from the good trials' density l(x) and the one
// with the highest l(x)/g(x) is proposed. Written here because no maintained JavaScript TPE exists
// (the npm packages are unmaintained ports without conditional spaces); it is ~150 lines.
import type { ParamValue } from '@shared/sweep-spec'
import type { Random } from '../models/trees/random'
import { isActive, sampleDimension, sampleParams, snap, type Dimension, type Params } from './space'

export interface Observation {
  params: Params
  /** Higher is better. */
  score: number
}

export interface TpeOptions {
  /** Random trials before the model takes over (Optuna: 10). */
  startup?: number
  /** Candidates drawn from l(x) per proposal (Optuna: 24). */
  candidates?: number
}

/** Optuna's default γ: the best 10% of trials, at most 25. */
function goodCount(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25)
}

/** A standard normal draw (Box-Muller). */
function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** A Parzen mixture over a numeric range in its internal scale: one Gaussian per point plus a flat prior. */
class NumericParzen {
  private readonly sigmas: number[]

  constructor(
    private readonly points: number[],
    private readonly low: number,
    private readonly high: number,
  ) {
    const span = high - low
    const sorted = [...points].sort((a, b) => a - b)
    // Each bandwidth: the larger gap to a neighbour, clipped as Optuna's "magic clip" does.
    const minSigma = span / Math.min(100, 1 + points.length)
    this.sigmas = points.map((p) => {
      const i = sorted.indexOf(p)
      const left = i > 0 ? p - (sorted[i - 1] as number) : p - low
      const right = i < sorted.length - 1 ? (sorted[i + 1] as number) - p : high - p
      return Math.min(span, Math.max(minSigma, left, right))
    })
  }

  /** Mixture weights: equal per point, with the prior weighted as one more point. */
  private get weight(): number {
    return 1 / (this.points.length + 1)
  }

  sample(random: Random): number {
    const k = Math.floor(random() * (this.points.length + 1))
    if (k === this.points.length) return this.low + random() * (this.high - this.low)
    for (let tries = 0; tries < 100; tries++) {
      const x = (this.points[k] as number) + (this.sigmas[k] as number) * gaussian(random)
      if (x >= this.low && x <= this.high) return x
    }
    return Math.min(this.high, Math.max(this.low, this.points[k] as number))
  }

  logDensity(x: number): number {
    let density = this.weight / (this.high - this.low || 1)
    this.points.forEach((p, i) => {
      const s = this.sigmas[i] as number
      density += (this.weight * Math.exp(-0.5 * ((x - p) / s) ** 2)) / (s * Math.sqrt(2 * Math.PI))
    })
    return Math.log(density)
  }
}

/** Smoothed frequencies of each choice (one pseudo-count each); list values compare by content. */
function choiceLogProbabilities(choices: ParamValue[], values: ParamValue[]): number[] {
  const keys = values.map((v) => JSON.stringify(v))
  const counts = choices.map((c) => 1 + keys.filter((k) => k === JSON.stringify(c)).length)
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.map((c) => Math.log(c / total))
}

function toInternal(dimension: Extract<Dimension, { kind: 'range' }>, value: number): number {
  return dimension.log ? Math.log(value) : value
}

function fromInternal(dimension: Extract<Dimension, { kind: 'range' }>, x: number): number {
  return snap(dimension, dimension.log ? Math.exp(x) : x)
}

/** Proposes one value for a dimension from the trials where it was active. */
function proposeDimension(
  dimension: Dimension,
  good: ParamValue[],
  bad: ParamValue[],
  random: Random,
  candidates: number,
): ParamValue {
  if (good.length === 0) return sampleDimension(dimension, random)
  if (dimension.kind === 'choice') {
    const l = choiceLogProbabilities(dimension.choices, good)
    const g = choiceLogProbabilities(dimension.choices, bad)
    // Draw candidates from l, keep the best ratio: as for numbers, so exploration stays.
    let best: ParamValue = null
    let bestRatio = -Infinity
    for (let c = 0; c < candidates; c++) {
      let u = random()
      let index = 0
      while (index < l.length - 1 && u > Math.exp(l[index] as number)) u -= Math.exp(l[index++] as number)
      const ratio = (l[index] as number) - (g[index] as number)
      if (ratio > bestRatio) [best, bestRatio] = [dimension.choices[index] ?? null, ratio]
    }
    return best
  }
  const [low, high] = [toInternal(dimension, dimension.low), toInternal(dimension, dimension.high)]
  const toPoints = (values: ParamValue[]) => values.map((v) => toInternal(dimension, Number(v)))
  const l = new NumericParzen(toPoints(good), low, high)
  const g = new NumericParzen(toPoints(bad), low, high)
  let best = low
  let bestRatio = -Infinity
  for (let c = 0; c < candidates; c++) {
    const x = l.sample(random)
    const ratio = l.logDensity(x) - g.logDensity(x)
    if (ratio > bestRatio) [best, bestRatio] = [x, ratio]
  }
  return fromInternal(dimension, best)
}

/** The next configuration to try, given the finished trials (random until `startup` have finished). */
export function proposeTpe(
  dimensions: Dimension[],
  fixed: Params,
  history: readonly Observation[],
  random: Random,
  options: TpeOptions = {},
): Params {
  const startup = options.startup ?? 10
  const finite = history.filter((h) => Number.isFinite(h.score))
  if (finite.length < startup) return sampleParams(dimensions, fixed, random)
  const ranked = [...finite].sort((a, b) => b.score - a.score)
  const params: Params = { ...fixed }
  for (const dimension of dimensions) {
    if (!isActive(dimension, params)) continue
    const seen = ranked.filter((h) => dimension.name in h.params)
    const cut = goodCount(seen.length)
    const values = seen.map((h) => h.params[dimension.name] ?? null)
    params[dimension.name] = proposeDimension(
      dimension,
      values.slice(0, cut),
      values.slice(cut),
      random,
      options.candidates ?? 24,
    )
  }
  return params
}
