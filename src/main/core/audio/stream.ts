// Reading a recording of any length in chunks, in constant memory: a detector slides over an
// hour-long file without holding its samples. WAVs are read by byte ranges through the same
// conversion as a whole decode; FLAC, MP3 and Ogg stream through the same codec packages, one
// decoded block at a time. Chunks are mixed to mono and resampled continuously, so they join into
// exactly the samples decoding the whole file, mixing it down and resampling it would give.
import { beat } from '../heartbeat'
import { fileSource } from './byte-source'
import { probeCompressed, streamCompressed } from './compressed'
import { badSampleWarnings, sanitiseInto, type BadSamples } from './decode'
import { AudioFileError } from './errors'
import { toMono } from './mix'
import { ChunkResampler, type ResampleQuality } from './resample'
import { SNIFF_BYTES, sniffContainer } from './sniff'
import type { AudioInfo } from './types'
import { convertBlock, readWavLayout } from './wav'

/** How a recording is streamed. */
export interface StreamMonoOptions {
  /** The rate of the chunks, Hz (the file's own when omitted). */
  sampleRate?: number
  quality?: ResampleQuality
  /** Checked between chunks: the read then stops with the signal's reason. */
  signal?: AbortSignal
}

/** What streaming a recording found. */
export interface StreamedAudio {
  /** The file's own format (its length as the stream held it). */
  info: AudioInfo
  /** The chunks' rate, and mono samples handed over in all. */
  sampleRate: number
  frames: number
  warnings: string[]
}

/** Frames of a WAV converted per read: a few hundred kilobytes at most, whatever the file's length. */
const WAV_BLOCK_FRAMES = 1 << 16

/**
 * Streams a recording as mono chunks at `sampleRate`, in order, handing each to `consume` and
 * waiting for it before reading on. A chunk is the consumer's to keep. Throws AudioFileError with
 * a one-line reason for a file that is not audio, as decoding it would.
 */
export async function streamMono(
  path: string,
  options: StreamMonoOptions,
  consume: (chunk: Float32Array) => void | Promise<void>,
): Promise<StreamedAudio> {
  const source = await fileSource(path)
  let resampler: ChunkResampler | undefined
  let frames = 0
  const counts: BadSamples = { nonFinite: 0, huge: 0 }
  const emit = async (mono: Float32Array): Promise<void> => {
    if (options.signal?.aborted) throw options.signal.reason
    const out = resampler ? resampler.push(mono) : mono
    if (out.length === 0) return
    frames += out.length
    await consume(out)
    beat()
  }
  const begin = async (rate: number): Promise<number> => {
    const target = options.sampleRate ?? rate
    if (target !== rate) resampler = await ChunkResampler.open(rate, target, options.quality ?? 'best')
    return target
  }
  try {
    const head = await source.read(0, SNIFF_BYTES)
    const container = sniffContainer(head)
    let info: AudioInfo
    let warnings: string[]
    let sampleRate: number
    if (container === 'wav') {
      const layout = await readWavLayout(source)
      if (layout.info.frames === 0) throw new AudioFileError('no audio: the data chunk is empty')
      info = layout.info
      warnings = layout.warnings
      sampleRate = await begin(info.sampleRate)
      // One read buffer for the whole stream, and for several channels one set of channel
      // buffers mixed into a fresh chunk: a mono file's converted block is itself the chunk.
      const bytes = new Uint8Array(WAV_BLOCK_FRAMES * layout.blockAlign)
      const shared =
        info.channels > 1 ? Array.from({ length: info.channels }, () => new Float32Array(WAV_BLOCK_FRAMES)) : []
      for (let first = 0; first < info.frames; first += WAV_BLOCK_FRAMES) {
        const count = Math.min(WAV_BLOCK_FRAMES, info.frames - first)
        const block = bytes.subarray(0, count * layout.blockAlign)
        const got = Math.floor(
          source.readInto(block, layout.dataOffset + first * layout.blockAlign) / layout.blockAlign,
        )
        const channels = shared.length > 0 ? shared.map((c) => c.subarray(0, got)) : [new Float32Array(got)]
        convertBlock(block, layout, channels, 0, got)
        // Integer samples are finite and within ±1 by construction; only float data can hold NaN.
        if (layout.sampleFormat === 'float') sanitiseInto(channels, counts)
        await emit(toMono(channels))
        if (got < count) break
      }
    } else {
      const probed = await probeCompressed({ path }, container, head)
      // The header's rate: the codec packages give no other before the first block is decoded.
      sampleRate = await begin(probed.sampleRate)
      const streamed = await streamCompressed({ path }, container, head, probed, async (block) => {
        // FLAC is integer audio, finite by construction, and mixing several channels makes a fresh
        // chunk: only a mono block (the chunk itself) must be copied from the codec's buffer.
        if (container === 'flac') {
          await emit(toMono(block.length > 1 ? block : block.map((c) => c.slice())))
          return
        }
        const copies = block.map((c) => c.slice())
        sanitiseInto(copies, counts)
        await emit(toMono(copies))
      })
      const { claimedFrames: _claimed, knownFrames: _known, cutShort: _cut, ...header } = probed
      info = {
        ...header,
        channels: streamed.channels,
        frames: streamed.frames,
        duration: streamed.frames / probed.sampleRate,
      }
      warnings = streamed.warnings
    }
    if (resampler) {
      const tail = resampler.end()
      if (tail.length > 0) {
        frames += tail.length
        await consume(tail)
      }
    }
    return { info, sampleRate, frames, warnings: [...warnings, ...badSampleWarnings(counts)] }
  } finally {
    resampler?.destroy()
    await source.close()
  }
}
