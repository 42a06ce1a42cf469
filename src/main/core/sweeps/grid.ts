import { isActive, type Dimension, type Params } from './space'

/** Beyond this many points a grid is a mistake: use random or tpe instead. */
export const MAX_GRID_POINTS = 10_000

function gridValues(dimension: Dimension): Params[string][] {
  if (dimension.kind === 'choice') return dimension.choices
  if (dimension.step === null) {
    throw new Error(
      `"${dimension.name}" is a continuous range: a grid needs a list of values or an int range; use random or tpe for ranges`,
    )
  }
  const values: number[] = []
  for (let v = dimension.low; v <= dimension.high; v += dimension.step) values.push(v)
  return values
}

/**
 * Every point of the grid, in the order a person reads the spec (the last dimension varies
 * fastest). A conditional dimension is expanded only where it applies, so no point repeats.
 */
export function gridPoints(dimensions: Dimension[], fixed: Params): Params[] {
  let points: Params[] = [{ ...fixed }]
  for (const dimension of dimensions) {
    const values = gridValues(dimension)
    points = points.flatMap((point) =>
      isActive(dimension, point) ? values.map((value) => ({ ...point, [dimension.name]: value })) : [point],
    )
    if (points.length > MAX_GRID_POINTS) {
      throw new Error(`the grid has more than ${MAX_GRID_POINTS} points: narrow it, or use random or tpe`)
    }
  }
  return points
}
