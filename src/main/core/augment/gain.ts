/** The samples scaled by `db` decibels (amplitude × 10^(db / 20)): louder or quieter recordings. */
export function applyGain(samples: Float32Array, db: number): Float32Array {
  const factor = 10 ** (db / 20)
  const out = new Float32Array(samples.length)
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] as number) * factor
  return out
}
