import { loadAudio } from '../audio'
import { fileSource } from '../audio/byte-source'
import { AudioFileError } from '../audio/errors'
import { SNIFF_BYTES, sniffContainer } from '../audio/sniff'
import { convertBlock, readWavLayout, type WavLayout } from '../audio/wav'

/** Peak buckets per second of audio: enough to zoom in on a long recording. */
export const PEAKS_PER_SECOND = 200
/** At least this many buckets, so a short clip draws finely at any width. */
export const MIN_PEAKS = 4000

/**
 * The waveform's outline: the largest absolute sample of each bucket of the mono mix, as
 * wavesurfer draws it. Computed once per file (in a worker) and cached, so the renderer never
 * decodes a long recording to show it. A WAV is streamed block by block (an hour of it never
 * sits in memory as floats, and opens in a fraction of the time); other formats are decoded.
 */
export async function computePeaks(path: string): Promise<{ peaks: Float32Array; duration: number }> {
  const source = await fileSource(path)
  try {
    if (sniffContainer(await source.read(0, SNIFF_BYTES)) === 'wav') {
      const layout = await readWavLayout(source)
      return await streamWavPeaks(source, layout)
    }
  } finally {
    await source.close()
  }
  const audio = await loadAudio(path, { mono: true })
  const samples = audio.channels[0] ?? new Float32Array(0)
  const { peaks, add } = peakBuckets(samples.length, audio.sampleRate)
  add(samples, 0, samples.length)
  return { peaks, duration: samples.length / audio.sampleRate }
}

/** The buckets of a signal of `length` samples, and a function that folds samples into them. */
function peakBuckets(length: number, sampleRate: number) {
  const duration = length / sampleRate
  const buckets = Math.max(1, Math.min(length, Math.max(MIN_PEAKS, Math.ceil(duration * PEAKS_PER_SECOND))))
  const peaks = new Float32Array(buckets)
  const size = length / buckets
  let bucket = 0
  let bucketEnd = Math.min(length, Math.round(size))
  /** Folds `samples[0 … count)`, which are the signal's samples from `first` on. */
  const add = (samples: Float32Array, first: number, count: number) => {
    let max = peaks[bucket] as number
    let i = 0
    while (i < count) {
      if (first + i >= bucketEnd && bucket < buckets - 1) {
        peaks[bucket] = max
        bucket++
        bucketEnd = Math.min(length, Math.round((bucket + 1) * size))
        max = 0
        continue
      }
      const stop = bucket < buckets - 1 ? Math.min(count, bucketEnd - first) : count
      for (; i < stop; i++) {
        const v = samples[i] as number
        const a = v < 0 ? -v : v
        if (a > max) max = a
      }
    }
    peaks[bucket] = max
  }
  return { peaks, add }
}

const BLOCK_BYTES = 1 << 20

async function streamWavPeaks(
  source: Awaited<ReturnType<typeof fileSource>>,
  layout: WavLayout,
): Promise<{ peaks: Float32Array; duration: number }> {
  const { frames, channels: nChannels, sampleRate } = layout.info
  if (frames === 0) throw new AudioFileError('no audio: the data chunk is empty')
  const { peaks, add } = peakBuckets(frames, sampleRate)
  const framesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / layout.blockAlign))
  const channels = Array.from({ length: nChannels }, () => new Float32Array(framesPerBlock))
  const mono = nChannels === 1 ? (channels[0] as Float32Array) : new Float32Array(framesPerBlock)
  for (let first = 0; first < frames; first += framesPerBlock) {
    const wanted = Math.min(framesPerBlock, frames - first)
    const block = await source.read(layout.dataOffset + first * layout.blockAlign, wanted * layout.blockAlign)
    const count = Math.floor(block.length / layout.blockAlign)
    convertBlock(block, layout, channels, 0, count)
    if (nChannels > 1) {
      // The mean of the channels, as toMono (and librosa) mix them.
      mono.fill(0, 0, count)
      for (const channel of channels) for (let i = 0; i < count; i++) (mono[i] as number) += channel[i] as number
      for (let i = 0; i < count; i++) (mono[i] as number) /= nChannels
    }
    add(mono, first, count)
    if (count < wanted) break
  }
  return { peaks, duration: frames / sampleRate }
}
