import { ComplexFft } from '../features/fft'

/*
 * Time stretching by a phase vocoder, as librosa.effects.time_stretch does it (librosa's
 * phase_vocoder over a Hann STFT with a quarter hop, then the inverse STFT): the frames are read
 * `rate` frames apart, magnitudes interpolated and phases advanced by each bin's measured
 * frequency, so the sound lasts 1 / rate as long at the same pitch. Written here rather than taken
 * from an npm library: the maintained ones (SoundTouch ports, Rubber Band in WebAssembly) are built
 * for Web Audio streams at 44.1 kHz, while Earmark needs an offline function on any rate's samples,
 * and this is a few dozen lines on the FFT the features already use.
 */

/** The analysis frame the vocoder uses at a rate: about 40 ms, a power of two (512 samples at 8 kHz). */
export function vocoderFrame(sampleRate: number): number {
  return 2 ** Math.ceil(Math.log2(0.04 * sampleRate))
}

/** The samples stretched to last `1 / rate` as long (rate 0.5: twice as long), pitch unchanged. */
export function timeStretch(samples: Float32Array, sampleRate: number, rate: number): Float32Array {
  if (!(rate > 0)) throw new RangeError(`a stretch rate must be positive, not ${rate}`)
  const length = Math.round(samples.length / rate)
  if (rate === 1 || samples.length === 0) return samples.slice()
  const nFft = vocoderFrame(sampleRate)
  const hop = nFft / 4
  const nBins = nFft / 2 + 1
  const half = nFft / 2
  const fft = new ComplexFft(nFft)
  const window = new Float64Array(nFft)
  for (let n = 0; n < nFft; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft)

  // Analysis: centred frames (nFft / 2 zeros either side), as librosa's stft(center=True).
  const padded = new Float64Array(samples.length + nFft)
  padded.set(samples, half)
  const nFrames = 1 + Math.floor(samples.length / hop)
  const re = new Float64Array(nFrames * nBins)
  const im = new Float64Array(nFrames * nBins)
  const z = new Float64Array(2 * nFft)
  for (let t = 0; t < nFrames; t++) {
    z.fill(0)
    for (let n = 0; n < nFft; n++) z[2 * n] = (padded[t * hop + n] ?? 0) * (window[n] as number)
    fft.forward(z)
    for (let k = 0; k < nBins; k++) {
      re[t * nBins + k] = z[2 * k] as number
      im[t * nBins + k] = z[2 * k + 1] as number
    }
  }

  // The vocoder: output frame i reads analysis time i · rate.
  const outFrames = Math.ceil(nFrames / rate)
  const advance = Float64Array.from({ length: nBins }, (_, k) => (2 * Math.PI * hop * k) / nFft)
  const phase = Float64Array.from({ length: nBins }, (_, k) => Math.atan2(im[k] as number, re[k] as number))
  const outLength = hop * (outFrames - 1) + nFft
  const out = new Float64Array(outLength)
  const norm = new Float64Array(outLength)
  const at = (t: number, k: number): [number, number] =>
    t < nFrames ? [re[t * nBins + k] as number, im[t * nBins + k] as number] : [0, 0]
  for (let i = 0; i < outFrames; i++) {
    const time = i * rate
    const f = Math.floor(time)
    const a = time - f
    z.fill(0)
    for (let k = 0; k < nBins; k++) {
      const [r0, i0] = at(f, k)
      const [r1, i1] = at(f + 1, k)
      const magnitude = (1 - a) * Math.hypot(r0, i0) + a * Math.hypot(r1, i1)
      const p = phase[k] as number
      // The conjugate, so that a forward FFT computes the inverse (its real part, times nFft).
      z[2 * k] = magnitude * Math.cos(p)
      z[2 * k + 1] = -magnitude * Math.sin(p)
      if (k > 0 && k < nFft / 2) {
        z[2 * (nFft - k)] = magnitude * Math.cos(p)
        z[2 * (nFft - k) + 1] = magnitude * Math.sin(p)
      }
      let d = Math.atan2(i1, r1) - Math.atan2(i0, r0) - (advance[k] as number)
      d -= 2 * Math.PI * Math.round(d / (2 * Math.PI))
      phase[k] = p + (advance[k] as number) + d
    }
    fft.forward(z)
    for (let n = 0; n < nFft; n++) {
      const w = window[n] as number
      out[i * hop + n] = (out[i * hop + n] as number) + ((z[2 * n] as number) / nFft) * w
      norm[i * hop + n] = (norm[i * hop + n] as number) + w * w
    }
  }
  const result = new Float32Array(length)
  for (let n = 0; n < length; n++) {
    const j = n + half
    if (j >= outLength) break
    const w = norm[j] as number
    result[n] = w > 1e-8 ? (out[j] as number) / w : (out[j] as number)
  }
  return result
}
