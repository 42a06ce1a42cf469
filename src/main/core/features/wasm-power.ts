// The log-mel's WebAssembly kernels (assembly/stft-power.ts, built into stft-power-wasm.ts by
// scripts/build-stft-power.mjs): the STFT's power spectrum (SIMD), the dB conversion and the
// MFCCs' folded DCT (SIMD). Each computes the same numbers as its TypeScript original, bit for
// bit, about 3x faster: measured 941 -> ~400 ns a 256-point frame, ~8 -> ~2.5 ns a dB value. Each plan gets its own small module
// instance: the tables once, then its data, written straight into the kernel's memory.
import { flooredDbLoop, LN_TABLES, type FlooredDbLoop } from './db'
import { ComplexFft, isPowerOfTwo } from './fft'
import type { DctPlan } from './mfcc'
import { STFT_POWER_WASM_BASE64 } from './stft-power-wasm'

/** The kernel's exports. */
interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number }
  framePower(
    signal: number,
    window: number,
    bitReversed: number,
    m: number,
    radix2First: number,
    passes: number,
    passCount: number,
    split: number,
    z: number,
    out: number,
  ): void
  decibels(
    values: number,
    count: number,
    floorInput: number,
    below: number,
    floor: number,
    offset: number,
    tenOverLn10: number,
    lnCentre: number,
    stepOverCentre: number,
  ): void
  dctFolded(
    input: number,
    output: number,
    nFrames: number,
    nIn: number,
    nOut: number,
    folded: number,
    lifter: number,
    scratch: number,
  ): void
}

/** The WebAssembly API (its value, which Node's typings under this lib setting leave out). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}

let compiled: object | null | undefined

/** The compiled module, or null where this runtime has no WebAssembly SIMD. */
function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly
      compiled = api ? new api.Module(Buffer.from(STFT_POWER_WASM_BASE64, 'base64')) : null
    } catch {
      compiled = null
    }
  }
  return compiled
}

/** One FFT size's power spectra, over a signal held in the kernel's memory. */
export interface WasmFramePower {
  /**
   * A buffer in the kernel's memory with room for `length` samples: pad the clip into it, then
   * call `power`. Growing it replaces the buffer (an earlier one is then empty).
   */
  reserve(length: number): Float64Array
  /** Whether `padded` is the buffer `reserve` last gave. */
  holds(padded: Float64Array): boolean
  /** `RealFft.power` of the frame at `padded[offset …]` (with the plan's window) into `out`. */
  power(offset: number, out: Float64Array): void
}

const PAGE = 65536

/** A fresh instance of the kernels with its own memory, or null where WebAssembly is unavailable. */
function instantiate(): Exports | null {
  const module = kernelModule()
  if (!module) return null
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
  return new api.Instance(module, {}).exports as Exports
}

/** Grows `memory` to hold at least `bytes`. */
function ensure(memory: Exports['memory'], bytes: number): void {
  const missing = bytes - memory.buffer.byteLength
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE))
}

/**
 * The kernel for `window.length`-point frames (a power of two, at least 4), its signal buffer
 * growing by doubling up to `mostSamples` (or a longer clip's length), or null where WebAssembly
 * is unavailable: the caller then keeps RealFft.power.
 */
export function wasmFramePower(window: Float64Array, mostSamples: number): WasmFramePower | null {
  const size = window.length
  const exports = size >= 4 && isPowerOfTwo(size) ? instantiate() : null
  if (!exports) return null
  const m = size / 2
  const complex = new ComplexFft(m)
  // Layout: window, bit reversal, radix-4 pass tables, split twiddles, scratch, output, then the
  // signal, last so that it can grow. 16-byte alignment keeps every lane pair aligned.
  let end = 0
  const place = (bytes: number): number => {
    const at = end
    end += Math.ceil(bytes / 16) * 16
    return at
  }
  const windowAt = place(8 * size)
  const bitReversedAt = place(4 * m)
  const passesAt = place(complex.passes.reduce((sum, p) => sum + 16 + 96 * p.quarter, 0))
  const splitAt = place(16 * (Math.floor(m / 2) + 1))
  const zAt = place(16 * m)
  const outAt = place(8 * (m + 1))
  const signalAt = end
  const memory = exports.memory
  ensure(memory, signalAt)
  const f64 = new Float64Array(memory.buffer)
  f64.set(window, windowAt / 8)
  new Int32Array(memory.buffer).set(complex.bitReversed, bitReversedAt / 4)
  let at = passesAt
  for (const { quarter, twiddles } of complex.passes) {
    new Int32Array(memory.buffer)[at / 4] = quarter
    at += 16
    // Each twiddle as [wr, wr] and [-wi, wi]: a complex product is then two lane-wise products.
    for (let j = 0; j < quarter; j++) {
      for (let p = 0; p < 3; p++) {
        const base = at / 8 + 12 * j + 4 * p
        const wr = twiddles[6 * j + 2 * p] as number
        const wi = twiddles[6 * j + 2 * p + 1] as number
        f64[base] = wr
        f64[base + 1] = wr
        f64[base + 2] = -wi
        f64[base + 3] = wi
      }
    }
    at += 96 * quarter
  }
  for (let k = 0; k <= m / 2; k++) {
    // As PowerOfTwoRealFft's split table.
    const angle = (-2 * Math.PI * k) / size
    f64[splitAt / 8 + 2 * k] = Math.cos(angle)
    f64[splitAt / 8 + 2 * k + 1] = Math.sin(angle)
  }
  const radix2First = complex.radix2First ? 1 : 0
  const passCount = complex.passes.length
  let signal = new Float64Array(memory.buffer, signalAt, 0)
  let out = new Float64Array(memory.buffer, outAt, m + 1)
  return {
    reserve(length) {
      if (signal.length >= length && signal.buffer === memory.buffer) return signal
      const capacity = Math.max(length, Math.min(mostSamples, 2 * signal.length))
      ensure(memory, signalAt + 8 * capacity)
      signal = new Float64Array(memory.buffer, signalAt, capacity)
      out = new Float64Array(memory.buffer, outAt, m + 1)
      return signal
    },
    holds(padded) {
      return padded === signal && padded.buffer === memory.buffer
    },
    power(offset, target) {
      exports.framePower(
        signalAt + 8 * offset,
        windowAt,
        bitReversedAt,
        m,
        radix2First,
        passesAt,
        passCount,
        splitAt,
        zAt,
        outAt,
      )
      target.set(out)
    },
  }
}

/** The dB conversion and the MFCCs' DCT, over values held in the kernels' memory. */
export interface LogmelKernels {
  /**
   * A float32 buffer in the kernels' memory with room for `count` values (growing by doubling):
   * write a log-mel there, then convert it with powerToDbInto and `loop`, and take its DCT with
   * `dct`. Growing the memory (reserve, dct) empties earlier buffers: use one at once.
   */
  reserve(count: number): Float32Array
  /** FlooredDbLoop: in the kernel for values in place in the buffer, flooredDbLoop otherwise. */
  loop: FlooredDbLoop
  /**
   * mfcc.ts's folded DCT of `nFrames` frames of `input` (in the buffer, or copied there) into
   * `out`, with the plan's folded basis and the lifter weights, if any.
   */
  dct(input: Float32Array, out: Float32Array, nFrames: number, plan: DctPlan, lifter: Float64Array | null): void
}

let shared: LogmelKernels | null | undefined

/**
 * The thread's log-mel kernels, or null where WebAssembly is unavailable. One instance serves
 * every plan: feature computations are synchronous, so two never interleave on a thread.
 */
export function logmelKernels(): LogmelKernels | null {
  if (shared === undefined) shared = makeLogmelKernels()
  return shared
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16

function makeLogmelKernels(): LogmelKernels | null {
  const exports = instantiate()
  if (!exports) return null
  const memory = exports.memory
  const tableBytes = 8 << LN_TABLES.bits
  const lnCentreAt = 16
  const stepOverCentreAt = lnCentreAt + tableBytes
  const valuesAt = stepOverCentreAt + tableBytes
  ensure(memory, valuesAt)
  new Float64Array(memory.buffer, lnCentreAt, 1 << LN_TABLES.bits).set(LN_TABLES.lnCentre)
  new Float64Array(memory.buffer, stepOverCentreAt, 1 << LN_TABLES.bits).set(LN_TABLES.stepOverCentre)
  let values = new Float32Array(memory.buffer, valuesAt, 0)
  const tenOverLn10 = 10 / Math.LN10
  const inBuffer = (view: Float32Array): boolean => view.buffer === memory.buffer && view.byteOffset === valuesAt
  const reserve = (count: number): Float32Array => {
    if (values.length >= count && values.buffer === memory.buffer) return values
    const capacity = Math.max(count, 2 * values.length)
    ensure(memory, valuesAt + 4 * capacity)
    values = new Float32Array(memory.buffer, valuesAt, capacity)
    return values
  }
  return {
    reserve,
    loop(input, out, floorInput, below, floor, offset) {
      if (input !== out || !inBuffer(input)) {
        flooredDbLoop(input, out, floorInput, below, floor, offset)
        return
      }
      exports.decibels(
        valuesAt,
        input.length,
        floorInput,
        below,
        floor,
        offset,
        tenOverLn10,
        lnCentreAt,
        stepOverCentreAt,
      )
    },
    dct(input, out, nFrames, plan, lifter) {
      const { nIn, nOut, folded } = plan
      const inputCount = nFrames * nIn
      if (!inBuffer(input)) {
        // A view elsewhere in this memory would be emptied if reserve grew it: copy it out first.
        const source = input.buffer === memory.buffer ? input.slice(0, inputCount) : input.subarray(0, inputCount)
        reserve(inputCount).set(source)
      }
      // After the input: the output, the basis, the lifter and the scratch, placed per call.
      const outAt = valuesAt + align(4 * inputCount)
      const foldedAt = outAt + align(4 * nFrames * nOut)
      const lifterAt = foldedAt + align(8 * folded.length)
      const scratchAt = lifterAt + align(8 * nOut)
      ensure(memory, scratchAt + 2 * align(8 * ((nIn + 1) >> 1)))
      new Float64Array(memory.buffer, foldedAt, folded.length).set(folded)
      if (lifter) new Float64Array(memory.buffer, lifterAt, nOut).set(lifter)
      exports.dctFolded(valuesAt, outAt, nFrames, nIn, nOut, foldedAt, lifter ? lifterAt : 0, scratchAt)
      out.set(new Float32Array(memory.buffer, outAt, nFrames * nOut))
    },
  }
}
