/**
 * Hyperparameter sweeps, as plain functions: the search space (space.ts), grid points (grid.ts),
 * random and TPE proposals (plan.ts, tpe.ts) and successive-halving rungs (halving.ts).
 */
export { gridPoints, MAX_GRID_POINTS } from './grid'
export { halvingRungs, promote, type Rung } from './halving'
export { nextTpeConfiguration, plannedConfigurations, sweepDimensions } from './plan'
export {
  dimensionOf,
  isActive,
  orderedDimensions,
  paramsKey,
  sampleDimension,
  sampleParams,
  type Dimension,
  type Params,
} from './space'
export { proposeTpe, type Observation, type TpeOptions } from './tpe'
