import { loadAudio } from '../audio'
import { beat } from '../heartbeat'
import { fileSource } from '../audio/byte-source'
import { probeCompressed, streamCompressed } from '../audio/compressed'
import { AudioFileError } from '../audio/errors'
import type { AudioContainer, AudioInfo } from '../audio/types'
import { SNIFF_BYTES, sniffContainer } from '../audio/sniff'
import { convertBlock, readWavLayout, type WavLayout } from '../audio/wav'

/** Peak buckets per second of audio: enough to zoom in on a long recording. */
export const PEAKS_PER_SECOND = 200
/** At least this many buckets, so a short clip draws finely at any width. */
export const MIN_PEAKS = 4000

/**
 * Compressed files at least this long (as their header claims) are outlined while they decode; a
 * shorter one is decoded whole, a few megabytes at most, and outlined exactly.
 */
export const STREAM_PEAKS_SECONDS = MIN_PEAKS / PEAKS_PER_SECOND

/**
 * The waveform's outline: the largest absolute sample of each bucket of the mono mix, as
 * wavesurfer draws it. Computed once per file (in a worker) and cached, so the renderer never
 * decodes a long recording to show it. A WAV is streamed block by block (an hour of it never
 * sits in memory as floats, and opens in a fraction of the time); a long compressed file is
 * outlined block by block as it decodes; a short one is decoded whole.
 */
export async function computePeaks(path: string): Promise<{ peaks: Float32Array; duration: number }> {
  const source = await fileSource(path)
  try {
    const head = await source.read(0, SNIFF_BYTES)
    const container = sniffContainer(head)
    if (container === 'wav') {
      const layout = await readWavLayout(source)
      return await streamWavPeaks(source, layout)
    }
    const info = await probeCompressed({ path }, container, head)
    if (info.duration >= STREAM_PEAKS_SECONDS) return await streamDecodedPeaks(path, container, head, info)
  } finally {
    await source.close()
  }
  const audio = await loadAudio(path, { mono: true })
  const samples = audio.channels[0] ?? new Float32Array(0)
  const { peaks, add } = peakBuckets(samples.length, audio.sampleRate)
  add(samples, 0, samples.length)
  return { peaks, duration: samples.length / audio.sampleRate }
}

/** How many buckets outline a signal of `length` samples. */
function bucketCount(length: number, sampleRate: number): number {
  return Math.max(1, Math.min(length, Math.max(MIN_PEAKS, Math.ceil((length / sampleRate) * PEAKS_PER_SECOND))))
}

/** The buckets of a signal of `length` samples, and a function that folds samples into them. */
function peakBuckets(length: number, sampleRate: number) {
  const buckets = bucketCount(length, sampleRate)
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
    beat()
    if (count < wanted) break
  }
  return { peaks, duration: frames / sampleRate }
}

/** Fine buckets per second gathered while a compressed file decodes (4 bytes each: 14 MB an hour). */
const FINE_PER_SECOND = 1000

/**
 * Outlines a compressed file while it decodes: the mono mix's largest absolute sample per fine
 * bucket (1 ms), folded into the outline's buckets once the stream's true length is known (a
 * header's length is a claim). Memory follows the fine buckets, not the samples: an hour of
 * 44.1 kHz stereo would be 1.3 GB of floats decoded whole.
 */
async function streamDecodedPeaks(
  path: string,
  container: Exclude<AudioContainer, 'wav'>,
  head: Uint8Array,
  info: AudioInfo,
): Promise<{ peaks: Float32Array; duration: number }> {
  const fineSize = Math.max(1, Math.floor(info.sampleRate / FINE_PER_SECOND))
  // Sized by the header's length, but no larger than an hour's worth to start with: a header's
  // length can be a lie, and the buckets grow with the frames that really decode.
  let fine = new Float32Array(Math.min(Math.ceil(info.frames / fineSize) + 16, 3600 * FINE_PER_SECOND))
  let position = 0
  let width = 0
  const sink = (block: Float32Array[]) => {
    if (width === 0) width = block.length
    if (block.length !== width) throw new AudioFileError('corrupt stream: the channel count changes')
    const n = block[0]?.length ?? 0
    const last = Math.floor((position + n - 1) / fineSize)
    if (last >= fine.length) {
      const grown = new Float32Array(Math.max(last + 1, fine.length * 2))
      grown.set(fine)
      fine = grown
    }
    let index = Math.floor(position / fineSize)
    let left = fineSize - (position % fineSize)
    let max = fine[index] as number
    for (let i = 0; i < n; i++) {
      // The mean of the channels, as toMono (and librosa) mix them.
      let v = 0
      for (let c = 0; c < width; c++) v += (block[c] as Float32Array)[i] as number
      v /= width
      const a = v < 0 ? -v : v
      if (a > max) max = a
      if (--left === 0) {
        fine[index] = max
        index++
        left = fineSize
        max = 0
      }
    }
    if (left !== fineSize) fine[index] = max
    position += n
  }
  const { sampleRate, frames } = await streamCompressed({ path }, container, head, info, sink)
  const buckets = bucketCount(frames, sampleRate)
  const peaks = new Float32Array(buckets)
  const size = frames / buckets
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(Math.round(b * size) / fineSize)
    const to = Math.floor(Math.max(Math.round(b * size), Math.round((b + 1) * size) - 1) / fineSize)
    let max = 0
    for (let f = from; f <= to; f++) if ((fine[f] as number) > max) max = fine[f] as number
    peaks[b] = max
  }
  return { peaks, duration: frames / sampleRate }
}
