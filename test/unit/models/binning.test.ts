import { describe, expect, it } from 'vitest'
import { binRows, fitBins, MAX_BINS } from '../../../src/main/core/models/trees/binning'
import { mulberry32 } from '../../../src/main/core/models/trees/random'

const allRows = (n: number): Int32Array => Int32Array.from({ length: n }, (_, r) => r)

describe('binning', () => {
  it('puts edges halfway between the distinct values when there are few', () => {
    const x = Float64Array.of(3, 1, 2, 2, 1, NaN)
    const mapper = fitBins(x, 1, allRows(6), mulberry32(0))
    expect(Array.from(mapper.thresholds[0]!)).toEqual([1.5, 2.5])
    expect(mapper.nBins[0]).toBe(3)
    expect(mapper.hasMissing[0]).toBe(1)
    // A value equal to an edge falls in the lower bin; missing values in the bin after the others.
    const probe = Float64Array.of(1, 1.5, 1.6, 2.5, 9, NaN)
    expect(Array.from(binRows(mapper, probe, 1, allRows(6)))).toEqual([0, 0, 1, 1, 2, 3])
  })

  it('uses at most 255 bins of roughly equal counts when values are many', () => {
    const n = 10_000
    const x = Float64Array.from({ length: n }, (_, i) => Math.sqrt(i))
    const mapper = fitBins(x, 1, allRows(n), mulberry32(0))
    expect(mapper.nBins[0]).toBe(MAX_BINS)
    const counts = new Array<number>(MAX_BINS).fill(0)
    for (const bin of binRows(mapper, x, 1, allRows(n))) counts[bin]!++
    for (const count of counts) expect(Math.abs(count - n / MAX_BINS)).toBeLessThanOrEqual(2)
  })

  it('bins each feature of row-major data on its own', () => {
    const x = Float64Array.of(0, 10, 1, 20, 2, 30)
    const mapper = fitBins(x, 2, allRows(3), mulberry32(0))
    expect(Array.from(mapper.thresholds[1]!)).toEqual([15, 25])
    expect(Array.from(binRows(mapper, x, 2, allRows(3)))).toEqual([0, 0, 1, 1, 2, 2])
  })
})
