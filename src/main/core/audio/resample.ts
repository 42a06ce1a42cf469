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
  try {
    const converted = converter.simple(samples)
    if (converted.length === length) return converted
    const out = new Float32Array(length)
    out.set(converted.subarray(0, length))
    return out
  } finally {
    converter.destroy()
  }
}
