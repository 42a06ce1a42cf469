import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { fileSource, memorySource, type ByteSource } from './byte-source'
import { decodeCompressed, probeCompressed } from './compressed'
import { AudioFileError } from './errors'
import { SNIFF_BYTES, sniffContainer } from './sniff'
import type { AudioContainer, AudioInfo, DecodedAudio } from './types'
import { readWavLayout, readWavSamples } from './wav'

type Input = { path: string } | { bytes: Uint8Array }

async function withSource<T>(input: Input, use: (source: ByteSource) => Promise<T>): Promise<T> {
  const source = 'path' in input ? await fileSource(input.path) : memorySource(input.bytes)
  try {
    return await use(source)
  } finally {
    await source.close()
  }
}

async function probe(input: Input): Promise<{ info: AudioInfo; warnings: string[] }> {
  return withSource(input, async (source) => {
    const head = await source.read(0, SNIFF_BYTES)
    const container = sniffContainer(head)
    if (container === 'wav') {
      const layout = await readWavLayout(source)
      return { info: layout.info, warnings: layout.warnings }
    }
    return { info: await probeCompressed(input, container, head), warnings: [] }
  })
}

async function decodeInput(input: Input): Promise<DecodedAudio> {
  return withSource(input, async (source) => {
    const head = await source.read(0, SNIFF_BYTES)
    const container = sniffContainer(head)
    if (container === 'wav') {
      const layout = await readWavLayout(source)
      if (layout.info.frames === 0) throw new AudioFileError('no audio: the data chunk is empty')
      const channels = await readWavSamples(source, layout)
      // Integer samples are finite and within ±1 by construction; only float data can hold NaN.
      const warnings = [...layout.warnings, ...(layout.sampleFormat === 'float' ? sanitise(channels) : [])]
      return { sampleRate: layout.info.sampleRate, channels, info: layout.info, warnings }
    }
    const info = await probeCompressed(input, container, head)
    const decoded = await decodeCompressed(input, container, head, info)
    const frames = decoded.channels[0]?.length ?? 0
    // The decoded stream is the truth; a header's length is an estimate (an MP3 without a Xing frame).
    const { sampleRate, channels } = decoded
    return {
      sampleRate,
      channels,
      info: { ...info, sampleRate, channels: channels.length, frames, duration: frames / sampleRate },
      warnings: [...decoded.warnings, ...sanitise(channels)],
    }
  })
}

/** Above this magnitude a float sample is garbage, not a hot recording (float WAVs may exceed ±1 a little). */
const MAX_FLOAT_MAGNITUDE = 1000

/**
 * Replaces NaN and ±Inf samples with 0 and clips absurd magnitudes to ±1, in place, so no NaN
 * reaches features or a loss. Returns the warning to show, if anything was changed.
 */
export function sanitise(channels: Float32Array[]): string[] {
  let nonFinite = 0
  let huge = 0
  for (const channel of channels) {
    for (let i = 0; i < channel.length; i++) {
      const v = channel[i] as number
      // One comparison passes every ordinary sample; NaN fails it too.
      if (v <= MAX_FLOAT_MAGNITUDE && v >= -MAX_FLOAT_MAGNITUDE) continue
      if (Number.isFinite(v)) {
        huge++
        channel[i] = v > 0 ? 1 : -1
      } else {
        nonFinite++
        channel[i] = 0
      }
    }
  }
  const warnings: string[] = []
  if (nonFinite > 0) warnings.push(`${nonFinite} non-finite samples (NaN or infinity) replaced by silence`)
  if (huge > 0) warnings.push(`${huge} samples beyond ±${MAX_FLOAT_MAGNITUDE} clipped to ±1`)
  return warnings
}

/** The container a file name's extension claims, or undefined for an extension we do not judge. */
function claimedContainer(path: string): { container: AudioContainer; ext: string } | undefined {
  const ext = extname(path).toLowerCase()
  const container = EXTENSION_CONTAINERS[ext]
  return container ? { container, ext } : undefined
}

const EXTENSION_CONTAINERS: Record<string, AudioContainer> = {
  '.wav': 'wav',
  '.wave': 'wav',
  '.flac': 'flac',
  '.mp3': 'mp3',
  '.ogg': 'ogg',
  '.oga': 'ogg',
  '.opus': 'ogg',
}

/**
 * Files are decoded by what their bytes are, not by their names; when the two disagree the user
 * should still hear of it ("content is MP3, name says .wav"), as a warning on that file.
 */
export function extensionWarning(path: string, info: AudioInfo): string[] {
  const claimed = claimedContainer(path)
  if (!claimed || claimed.container === info.container) return []
  return [`content is ${info.codec}, name says ${claimed.ext}: decoded by content`]
}

/** Reads a file's header: container, codec, rate, channels and length, without decoding the stream. */
export async function probeAudio(path: string): Promise<AudioInfo> {
  return (await probe({ path })).info
}

/** Like probeAudio, with the header's warnings (truncation, a name that lies about the content). */
export async function probeAudioWithWarnings(path: string): Promise<{ info: AudioInfo; warnings: string[] }> {
  const probed = await probe({ path })
  return { info: probed.info, warnings: [...extensionWarning(path, probed.info), ...probed.warnings] }
}

/**
 * Files up to this size are read in one call and decoded from memory: for the short clips most
 * datasets hold, the per-read overhead of streaming costs more than the bytes. Longer files
 * stream, so an hour-long recording is never in memory both encoded and decoded.
 */
const READ_WHOLE_BYTES = 8 * 1024 * 1024

/** Decodes a whole file to float channels. Throws AudioFileError with a one-line reason. */
export async function decodeAudio(path: string): Promise<DecodedAudio> {
  const bytes = readSmallFile(path)
  const decoded = await decodeInput(bytes ? { bytes } : { path })
  return { ...decoded, warnings: [...extensionWarning(path, decoded.info), ...decoded.warnings] }
}

/**
 * A file's bytes when it is small enough to read whole, else undefined (it streams). Synchronous
 * on purpose: decoding runs on worker threads, and for the short clips of most datasets the
 * thread-pool round trips of promise-based reads cost more than reading the bytes.
 */
export function readSmallFile(path: string): Uint8Array | undefined {
  const fd = openSync(path, 'r')
  try {
    const info = fstatSync(fd)
    if (info.isDirectory()) throw new AudioFileError('not a file: this is a folder')
    if (info.size > READ_WHOLE_BYTES) return undefined
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Decodes a file whose bytes are already read (import hashes and decodes one read). */
export async function decodeAudioFileBytes(path: string, bytes: Uint8Array): Promise<DecodedAudio> {
  const decoded = await decodeInput({ bytes })
  return { ...decoded, warnings: [...extensionWarning(path, decoded.info), ...decoded.warnings] }
}

/** Decodes audio already in memory (an upload, a test fixture). `name` only improves messages. */
export async function decodeAudioBytes(bytes: Uint8Array, name?: string): Promise<DecodedAudio> {
  try {
    return await decodeInput({ bytes })
  } catch (error) {
    if (name && error instanceof AudioFileError) throw new AudioFileError(`${name}: ${error.reason}`, { cause: error })
    throw error
  }
}
