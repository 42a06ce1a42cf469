import { ComplexFft } from '../../../src/main/core/features/fft'

/** A sine of `hz` at `sampleRate`, `seconds` long, amplitude `amplitude`. */
export function tone(hz: number, sampleRate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sampleRate) },
    (_, n) => amplitude * Math.sin((2 * Math.PI * hz * n) / sampleRate),
  )
}

/**
 * The frequency of the strongest peak of `samples`, Hz: a Hann-windowed FFT zero-padded to at
 * least 8 times the length (a fraction of a hertz per bin), refined by a parabola through the
 * peak's log magnitude and its neighbours.
 */
export function peakFrequency(samples: Float32Array, sampleRate: number): number {
  const size = 2 ** Math.ceil(Math.log2(samples.length * 8))
  const z = new Float64Array(2 * size)
  const n = samples.length
  for (let i = 0; i < n; i++) z[2 * i] = (samples[i] as number) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n))
  new ComplexFft(size).forward(z)
  const magnitude = (k: number) => Math.hypot(z[2 * k] as number, z[2 * k + 1] as number)
  let best = 1
  for (let k = 1; k < size / 2; k++) if (magnitude(k) > magnitude(best)) best = k
  const [a, b, c] = [magnitude(best - 1), magnitude(best), magnitude(best + 1)].map((m) => Math.log(m + 1e-30)) as [
    number,
    number,
    number,
  ]
  const offset = (0.5 * (a - c)) / (a - 2 * b + c)
  return ((best + offset) * sampleRate) / size
}

/** Root mean square. */
export function rms(samples: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < samples.length; i++) sum += (samples[i] as number) ** 2
  return Math.sqrt(sum / samples.length)
}
