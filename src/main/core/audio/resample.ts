import * as libsamplerateModule from '@alexanderolsen/libsamplerate-js'

// A UMD bundle: Node's ESM loader exposes it as the default export only; bundlers give names.
type LibSampleRate = typeof libsamplerateModule
const { create, ConverterType } =
  (libsamplerateModule as LibSampleRate & { default?: LibSampleRate }).default ?? libsamplerateModule

export type ResampleQuality = 'best' | 'medium' | 'fast'

const CONVERTERS = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fast: ConverterType.SRC_SINC_FASTEST,
} as const

/**
 * Band-limited sinc resampling with libsamplerate (Secret Rabbit Code). The output has
 * ceil(n * to / from) samples, the length librosa.resample returns, so frame counts line up
 * with features computed in Python.
 */
export async function resample(
  samples: Float32Array,
  from: number,
  to: number,
  quality: ResampleQuality = 'best',
): Promise<Float32Array> {
  if (!(from > 0 && to > 0)) throw new RangeError(`cannot resample from ${from} Hz to ${to} Hz`)
  if (from === to || samples.length === 0) return samples
  const length = Math.ceil((samples.length * to) / from)
  const converter = await create(1, from, to, { converterType: CONVERTERS[quality] })
  let converted: Float32Array
  try {
    converted = converter.simple(samples)
  } finally {
    converter.destroy()
  }
  // The one-shot call does not drain its filter for long inputs (over about a million samples it
  // ends ~150 samples early, which would read as silence): those take the streaming converter,
  // which drains it, and equals the one-shot output wherever that has samples.
  if (converted.length < Math.floor((samples.length * to) / from) - 1) {
    const stream = await ChunkResampler.open(from, to, quality)
    try {
      const head = stream.push(samples)
      const tail = stream.end()
      const out = new Float32Array(length)
      out.set(head.subarray(0, length))
      out.set(tail.subarray(0, Math.max(0, length - head.length)), Math.min(head.length, length))
      return out
    } finally {
      stream.destroy()
    }
  }
  if (converted.length === length) return converted
  const out = new Float32Array(length)
  out.set(converted.subarray(0, length))
  return out
}

/** Input frames of silence fed at a time to drain the converter at the end. */
const DRAIN_FRAMES = 4096

/**
 * libsamplerate's streaming ("full") converter over successive chunks. Its output lags its input
 * by the filter's half-length; at the end, silence drains it, and the output is cut to the length
 * and numbers `resample` gives the whole signal.
 */
export class ChunkResampler {
  private inFrames = 0
  private outFrames = 0

  private constructor(
    private readonly converter: Awaited<ReturnType<typeof create>>,
    private readonly from: number,
    private readonly to: number,
  ) {}

  static async open(from: number, to: number, quality: ResampleQuality = 'best'): Promise<ChunkResampler> {
    if (!(from > 0 && to > 0)) throw new RangeError(`cannot resample from ${from} Hz to ${to} Hz`)
    return new ChunkResampler(await create(1, from, to, { converterType: CONVERTERS[quality] }), from, to)
  }

  /** The samples this chunk completes (a copy: the converter reuses its buffer). */
  push(chunk: Float32Array): Float32Array {
    if (chunk.length === 0) return chunk
    this.inFrames += chunk.length
    const out = this.converter.full(chunk).slice()
    this.outFrames += out.length
    return out
  }

  /** The rest of the output, once the input has ended. */
  end(): Float32Array {
    // As `resample` gives it: the filter's output to floor(n · to / from), then zeros to ceil. (Its
    // one-shot call sometimes stops a sample short of the floor: the last sample may then differ.)
    const made = Math.floor((this.inFrames * this.to) / this.from)
    const expected = Math.ceil((this.inFrames * this.to) / this.from)
    const tail = new Float32Array(Math.max(0, expected - this.outFrames))
    const silence = new Float32Array(DRAIN_FRAMES)
    let at = 0
    // The filter spans well under a second; a bound keeps a misbehaving converter from looping.
    for (let i = 0; this.outFrames + at < made && i < 256; i++) {
      const out = this.converter.full(silence)
      const kept = Math.min(out.length, made - this.outFrames - at)
      tail.set(out.subarray(0, kept), at)
      at += kept
    }
    this.outFrames = expected
    return tail
  }

  destroy(): void {
    this.converter.destroy()
  }
}
