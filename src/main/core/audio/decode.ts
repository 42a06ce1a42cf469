import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { fileSource, memorySource, type ByteSource } from './byte-source'
import { decodeCompressed, probeCompressed, streamCompressed, type CompressedInfo } from './compressed'
import { AudioFileError } from './errors'
import { SNIFF_BYTES, sniffContainer } from './sniff'
import type { AudioContainer, AudioInfo, DecodedAudio } from './types'
import { assertDecodable, MAX_DECODED_BYTES, readWavLayout, readWavSamples } from './wav'

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
    return { info: publicInfo(await probeCompressed(input, container, head)), warnings: [] }
  })
}

/** AudioInfo without what only the decoder needs of a compressed header. */
function publicInfo(info: CompressedInfo): AudioInfo {
  const { claimedFrames: _claimed, knownFrames: _known, cutShort: _cut, ...rest } = info
  return rest
}

/**
 * Refuses, before anything is decoded, a stream whose true length (read from its end, not the
 * header's claim) would pass the decoded-size cap: a 1 MB FLAC of two hours of silence would
 * otherwise take gigabytes and tens of seconds to be refused at the cap.
 */
function assertCompressedDecodable(info: CompressedInfo): void {
  if (info.knownFrames !== undefined) assertDecodable(info.knownFrames, info.channels, info.sampleRate)
}

/**
 * Samples an MP3 encoder adds (its delay and padding, under four MPEG frames) and the decoder
 * drops: a stream this much shorter than its Xing count is whole, not cut.
 */
const MP3_CODEC_SLACK_FRAMES = 4 * 1152

/**
 * The warning for a stream that ends before its header says it does (a download cut short), as a
 * truncated WAV gets: the file still holds audio and is used.
 */
function truncationWarning(info: CompressedInfo, decodedFrames: number, sampleRate: number): string[] {
  const held = `${(decodedFrames / sampleRate).toFixed(2)} s`
  if (info.cutShort) return [`truncated: the last Ogg page is cut short; the file holds ${held}`]
  // An Ogg stream's only length is its last page's, which a cut file's last whole page restates.
  if (info.container === 'ogg' || info.claimedFrames <= 0) return []
  // A claim no file could decode to, or one this file's size cannot hold (an MP3's bogus Xing
  // count), is a lie rather than a promise the file fell short of.
  if (info.claimedFrames * info.channels * 4 > MAX_DECODED_BYTES) return []
  if (info.container === 'mp3' && info.knownFrames === undefined) return []
  const slack = info.container === 'mp3' ? Math.max(MP3_CODEC_SLACK_FRAMES, info.claimedFrames * 0.02) : 0
  if (decodedFrames >= info.claimedFrames - slack) return []
  return [
    `truncated: the header promises ${(info.claimedFrames / info.sampleRate).toFixed(2)} s, the file holds ${held}`,
  ]
}

/** A file cut before its first audio page decodes to nothing; the cut is what to tell. */
function cutShortError(info: CompressedInfo): (error: unknown) => never {
  return (error) => {
    if (info.cutShort && error instanceof AudioFileError && error.reason.startsWith('no audio')) {
      throw new AudioFileError(`truncated: the file is cut short before any whole ${info.codec} audio page`)
    }
    throw error
  }
}

/** What checking a file finds: its format and true length, and what the user should know. */
export interface AudioCheck {
  info: AudioInfo
  warnings: string[]
}

/**
 * Proves a file's stream as decoding it would, and refuses it for the same reasons, without
 * keeping its samples: a compressed stream is decoded block by block and each block dropped, so
 * checking an hour-long MP3 at import costs a few megabytes, not the gigabyte of its samples.
 * `bytes` are the file's, when they are already read.
 */
export async function checkAudio(path: string, bytes?: Uint8Array): Promise<AudioCheck> {
  const input: Input = bytes ? { bytes } : { path }
  const checked = await withSource(input, async (source): Promise<AudioCheck> => {
    const head = await source.read(0, SNIFF_BYTES)
    const container = sniffContainer(head)
    if (container === 'wav') {
      // A WAV is read as decoding reads it (import reads only the header of a large one).
      const decoded = await decodeInput(input)
      return { info: decoded.info, warnings: decoded.warnings }
    }
    const info = await probeCompressed(input, container, head)
    assertCompressedDecodable(info)
    const counts: BadSamples = { nonFinite: 0, huge: 0 }
    let seen = 0
    const streamed = await streamCompressed(input, container, head, info, (block) => {
      seen += block[0]?.length ?? 0
      // The cap decoding would meet, met here too: a file import accepts is one decoding accepts.
      assertDecodable(seen, block.length, info.sampleRate)
      sanitiseInto(block, counts)
    }).catch(cutShortError(info))
    const { sampleRate, channels, frames } = streamed
    return {
      info: { ...publicInfo(info), sampleRate, channels, frames, duration: frames / sampleRate },
      warnings: [...truncationWarning(info, frames, sampleRate), ...streamed.warnings, ...badSampleWarnings(counts)],
    }
  })
  return { ...checked, warnings: [...extensionWarning(path, checked.info), ...checked.warnings] }
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
    assertCompressedDecodable(info)
    const decoded = await decodeCompressed(input, container, head, info).catch(cutShortError(info))
    const frames = decoded.channels[0]?.length ?? 0
    // The decoded stream is the truth; a header's length is an estimate (an MP3 without a Xing frame).
    const { sampleRate, channels } = decoded
    return {
      sampleRate,
      channels,
      info: { ...publicInfo(info), sampleRate, channels: channels.length, frames, duration: frames / sampleRate },
      warnings: [
        ...truncationWarning(info, frames, sampleRate),
        ...decoded.warnings,
        ...sanitiseDecoded(info, channels),
      ],
    }
  })
}

/**
 * sanitise for a compressed stream's samples. FLAC is integer audio scaled to ±1, finite by
 * construction like integer WAV, so the pass over a long file's samples is skipped.
 */
function sanitiseDecoded(info: CompressedInfo, channels: Float32Array[]): string[] {
  return info.container === 'flac' ? [] : sanitise(channels)
}

/** Above this magnitude a float sample is garbage, not a hot recording (float WAVs may exceed ±1 a little). */
const MAX_FLOAT_MAGNITUDE = 1000

/**
 * Replaces NaN and ±Inf samples with 0 and clips absurd magnitudes to ±1, in place, so no NaN
 * reaches features or a loss. Returns the warning to show, if anything was changed.
 */
function sanitise(channels: Float32Array[]): string[] {
  const counts = { nonFinite: 0, huge: 0 }
  sanitiseInto(channels, counts)
  return badSampleWarnings(counts)
}

/** Samples a float stream held that could not be used, counted as they were replaced. */
export interface BadSamples {
  nonFinite: number
  huge: number
}

/** sanitise's work, adding to running counts (a stream checked block by block). */
export function sanitiseInto(channels: Float32Array[], counts: BadSamples): void {
  for (const channel of channels) {
    for (let i = 0; i < channel.length; i++) {
      const v = channel[i] as number
      // One comparison passes every ordinary sample; NaN fails it too.
      if (v <= MAX_FLOAT_MAGNITUDE && v >= -MAX_FLOAT_MAGNITUDE) continue
      if (Number.isFinite(v)) {
        counts.huge++
        channel[i] = v > 0 ? 1 : -1
      } else {
        counts.nonFinite++
        channel[i] = 0
      }
    }
  }
}

/** The warnings of bad samples replaced, if any. */
export function badSampleWarnings({ nonFinite, huge }: BadSamples): string[] {
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
function extensionWarning(path: string, info: AudioInfo): string[] {
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

/** Decodes audio already in memory (an upload, a test fixture). `name` only improves messages. */
export async function decodeAudioBytes(bytes: Uint8Array, name?: string): Promise<DecodedAudio> {
  try {
    return await decodeInput({ bytes })
  } catch (error) {
    if (name && error instanceof AudioFileError) throw new AudioFileError(`${name}: ${error.reason}`, { cause: error })
    throw error
  }
}
