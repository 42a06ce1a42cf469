import { describe, expect, it } from 'vitest'
import { resample } from '../../../src/main/core/audio/resample'

/** A sine of `hz` at `rate`, `n` samples long. */
function tone(n: number, hz: number, rate: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate))
}

/** Root mean square of a stretch of samples. */
const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length))

describe('resample', () => {
  it('keeps a long signal to its last samples (the one-shot converter alone ends early and pads silence)', async () => {
    // 3 minutes at 22.05 kHz: well past the length where the one-shot call stops draining.
    const from = 22_050
    const to = 16_000
    const input = tone(from * 180, 440, from)
    const out = await resample(input, from, to)
    expect(out.length).toBe(Math.ceil((input.length * to) / from))
    const last = out.subarray(out.length - 400, out.length - 8)
    // A 0.5-amplitude sine has an RMS of about 0.354; silence would be 0.
    expect(rms(last)).toBeGreaterThan(0.3)
  })

  it('gives a long signal the numbers a short one gets where both have them', async () => {
    const from = 44_100
    const to = 8_000
    const input = tone(from * 30, 300, from)
    const whole = await resample(input, from, to)
    const part = await resample(input.subarray(0, from * 2), from, to)
    // Away from the short signal's end (where its filter sees the cut), the two agree.
    let worst = 0
    for (let i = 0; i < part.length - 200; i++)
      worst = Math.max(worst, Math.abs((part[i] as number) - (whole[i] as number)))
    expect(worst).toBeLessThan(1e-5)
  })
})
