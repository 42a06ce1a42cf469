import { describe, expect, it } from 'vitest'
import { powerToDbInto } from '../../../src/main/core/features/db'

// librosa.power_to_db takes max(amin, S) before flooring at max - top_db: in a quiet clip (peak
// under top_db above amin's dB) the values at or below amin give amin's dB, not the floor.
describe('power_to_db on a quiet clip', () => {
  it('gives amin dB, not the lower floor, for values at or below amin', () => {
    const values = Float32Array.of(1e-3, 0, 1e-11, 1e-10, 2e-10)
    const out = new Float32Array(values.length)
    powerToDbInto(values, out, { ref: 1, amin: 1e-10, topDb: 80 })
    // numpy: l = 10 log10(max(1e-10, S)); max(l, l.max() - 80)
    const expected = [-30, -100, -100, -100, 10 * Math.log10(Math.fround(2e-10))]
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 4))
  })

  it('floors at max - top_db when that is above amin dB', () => {
    const values = Float32Array.of(1, 1e-9, 0)
    const out = new Float32Array(values.length)
    powerToDbInto(values, out, { ref: 1, amin: 1e-10, topDb: 80 })
    expect(Array.from(out)).toEqual([0, -80, -80])
  })
})
