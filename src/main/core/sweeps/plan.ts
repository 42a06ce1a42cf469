import type { SweepSpec } from '@shared/sweep-spec'
import { mulberry32, streamSeed, type Random } from '../models/trees/random'
import { gridPoints } from './grid'
import { orderedDimensions, paramsKey, sampleParams, type Dimension, type Params } from './space'
import { proposeTpe, type Observation } from './tpe'

/** How many times random search redraws a configuration already tried before accepting a repeat. */
const REDRAWS = 50

/** The spec's dimensions in draw order; throws a readable error for an unusable space. */
export function sweepDimensions(spec: SweepSpec): Dimension[] {
  return orderedDimensions(spec.space)
}

/**
 * The configurations a grid or random sweep will try, all known up front (so they can be queued
 * in the catalog and survive a restart). Random search avoids repeats while it can.
 */
export function plannedConfigurations(spec: SweepSpec): Params[] {
  const dimensions = sweepDimensions(spec)
  if (spec.strategy === 'grid') return gridPoints(dimensions, spec.fixed).slice(0, spec.trials)
  const random = mulberry32(streamSeed(spec.seed, 0))
  const seen = new Set<string>()
  const out: Params[] = []
  for (let i = 0; i < spec.trials; i++) {
    let params = sampleParams(dimensions, spec.fixed, random)
    for (let r = 0; r < REDRAWS && seen.has(paramsKey(params)); r++)
      params = sampleParams(dimensions, spec.fixed, random)
    seen.add(paramsKey(params))
    out.push(params)
  }
  return out
}

/**
 * The next TPE proposal. Seeded by the trial's number, so a resumed sweep proposes what an
 * uninterrupted one would have, given the same finished trials.
 */
export function nextTpeConfiguration(spec: SweepSpec, trialNumber: number, history: readonly Observation[]): Params {
  const random: Random = mulberry32(streamSeed(spec.seed, trialNumber + 1))
  const startup = Math.min(10, Math.max(2, Math.ceil(spec.trials / 3)))
  return proposeTpe(sweepDimensions(spec), spec.fixed, history, random, { startup })
}
