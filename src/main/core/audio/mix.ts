/** The mean of the channels, as librosa's `to_mono`. A mono input is returned as is, not copied. */
export function toMono(channels: readonly Float32Array[]): Float32Array {
  const [first] = channels
  if (!first) return new Float32Array(0)
  if (channels.length === 1) return first
  const out = new Float32Array(first.length)
  for (const channel of channels) for (let i = 0; i < out.length; i++) (out[i] as number) += channel[i] as number
  const scale = 1 / channels.length
  for (let i = 0; i < out.length; i++) (out[i] as number) *= scale
  return out
}
