import { describe, expect, it } from 'vitest'
import { compileStftPower } from '../../../scripts/build-stft-power.mjs'
import { flooredDbLoop, powerToDbInto } from '../../../src/main/core/features/db'
import { planRealFft } from '../../../src/main/core/features/fft'
import { STFT_POWER_WASM_BASE64 } from '../../../src/main/core/features/stft-power-wasm'
import { planStft } from '../../../src/main/core/features/stft'
import { dctFrames, foldedDct, lifterWeights, planDct } from '../../../src/main/core/features/mfcc'
import { logmelKernels, wasmFramePower } from '../../../src/main/core/features/wasm-power'
import { getWindow } from '../../../src/main/core/features/windows'

/** A seeded signal with every kind of value a clip holds: tones, noise, silence, a click. */
function signal(length: number, seed: number): Float64Array {
  let state = seed
  return Float64Array.from({ length }, (_, i) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    if (i % 997 < 40) return 0
    return Math.sin(i * 0.031) * 0.5 + (state / 2 ** 32 - 0.5) * 0.2 + (i % 1500 === 7 ? 1 : 0)
  })
}

describe('the log-mel kernels (WebAssembly)', () => {
  it('the committed binary is what its source compiles to (node scripts/build-stft-power.mjs)', async () => {
    const fresh = await compileStftPower()
    expect(Buffer.from(fresh).equals(Buffer.from(STFT_POWER_WASM_BASE64, 'base64'))).toBe(true)
  })

  // Bit for bit: the kernel repeats RealFft.power's operations in its order, so the features stay
  // exactly what the TypeScript FFT (checked against the DFT and librosa) computes.
  it.each([4, 8, 16, 32, 256, 512, 1024, 2048, 4096])('equals RealFft.power bit for bit at n_fft=%i', (n) => {
    const window = getWindow('hann', n)
    const kernel = wasmFramePower(window, 1 << 18)
    expect(kernel).not.toBeNull()
    const hop = Math.max(1, n / 4)
    const x = signal(n * 12, n)
    const padded = kernel!.reserve(x.length)
    padded.set(x)
    const fft = planRealFft(n)
    const ours = new Float64Array(n / 2 + 1)
    const reference = new Float64Array(n / 2 + 1)
    for (let offset = 0; offset + n <= x.length; offset += hop) {
      kernel!.power(offset, ours)
      fft.power(x, offset, window, reference)
      const wrong = ours.findIndex((v, k) => !Object.is(v, reference[k]))
      expect(wrong, `frame at ${offset}, first differing bin`).toBe(-1)
    }
  })

  it("the STFT plan gives RealFft.power's numbers across signal buffer growth", () => {
    const plan = planStft({ nFft: 256, hopLength: 128 })
    const fft = planRealFft(256)
    for (const length of [1000, 50_000, 200_000]) {
      const y = Float32Array.from(signal(length, length), (v) => v)
      const { padded, nFrames } = plan.frames(y)
      const ours = new Float64Array(129)
      const reference = new Float64Array(129)
      for (const t of [0, nFrames >> 1, nFrames - 1]) {
        plan.powerFrame(padded, t, ours)
        fft.power(padded, t * 128, plan.window, reference)
        expect(Array.from(ours)).toEqual(Array.from(reference))
      }
    }
  })

  // The dB loop: every kind of value (silence, below the floor, around it, loud) in both cases of
  // the floor (above amin's dB, and a quiet clip's below it). An infinite value would floor
  // every other one (it is the maximum), so it has its own case.
  it.each([
    ['a loud clip', 1e3],
    ['a quiet clip', 1e-4],
  ])('converts to dB exactly as powerToDbInto does, for %s', (_, peak) => {
    const n = 50_000
    const values = Float32Array.from({ length: n }, (_, i) =>
      i % 101 === 0 ? 0 : peak * 10 ** ((-14 * ((i * 7919) % n)) / n),
    )
    values[5] = peak
    const kernel = logmelKernels()
    expect(kernel).not.toBeNull()
    for (const topDb of [80, null]) {
      const options = { ref: 1, amin: 1e-10, topDb }
      const reference = new Float32Array(n)
      powerToDbInto(values, reference, options, flooredDbLoop)
      const work = kernel!.reserve(n).subarray(0, n)
      work.set(values)
      powerToDbInto(work, work, options, kernel!.loop)
      const wrong = work.findIndex((v, i) => !Object.is(v, reference[i]))
      expect(wrong, `top_db ${topDb}: first differing value`).toBe(-1)
    }
  })

  it('gives an infinite value infinite dB and floors the rest at infinity, as powerToDbInto does', () => {
    const values = Float32Array.of(1, Infinity, 0)
    const kernel = logmelKernels()!
    const work = kernel.reserve(3).subarray(0, 3)
    work.set(values)
    powerToDbInto(work, work, { ref: 1, amin: 1e-10, topDb: 80 }, kernel.loop)
    const reference = new Float32Array(3)
    powerToDbInto(values, reference, { ref: 1, amin: 1e-10, topDb: 80 }, flooredDbLoop)
    expect(Array.from(work)).toEqual(Array.from(reference))
    expect(work[1]).toBe(Infinity)
  })

  it.each([
    [13, 13, 0],
    [40, 20, 22],
    [64, 20, 0],
    [128, 40, 22],
    [7, 3, 0],
  ])('takes the folded DCT of %i values to %i coefficients (lifter %i) as foldedDct does', (nIn, nOut, lift) => {
    const nFrames = 37
    const input = Float32Array.from(signal(nFrames * nIn, nIn), (v, i) => v * 40 - (i % nIn))
    const plan = planDct({ nOut, nIn })
    const lifter = lifterWeights(nOut, lift)
    const reference = new Float32Array(nFrames * nOut)
    foldedDct(input, reference, nFrames, plan, lifter)
    const ours = new Float32Array(nFrames * nOut)
    logmelKernels()!.dct(input, ours, nFrames, plan, lifter)
    const wrong = ours.findIndex((v, i) => !Object.is(v, reference[i]))
    expect(wrong, 'first differing coefficient').toBe(-1)
    // And dctFrames, every caller's entry, takes this route.
    const viaEntry = new Float32Array(nFrames * nOut)
    dctFrames(input, viaEntry, nFrames, plan, lifter)
    expect(Array.from(viaEntry)).toEqual(Array.from(reference))
  })
})
