import { open } from 'node:fs/promises'
import { fileSource, memorySource, type ByteSource } from './byte-source'
import { decodeCompressed, probeCompressed } from './compressed'
import { AudioFileError } from './errors'
import { SNIFF_BYTES, sniffContainer } from './sniff'
import type { AudioInfo, DecodedAudio } from './types'
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
      return { sampleRate: layout.info.sampleRate, channels, info: layout.info, warnings: layout.warnings }
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
      warnings: decoded.warnings,
    }
  })
}

/** Reads a file's header: container, codec, rate, channels and length, without decoding the stream. */
export async function probeAudio(path: string): Promise<AudioInfo> {
  return (await probe({ path })).info
}

/** Like probeAudio, with the header's warnings (truncation, corrected fields). */
export async function probeAudioWithWarnings(path: string): Promise<{ info: AudioInfo; warnings: string[] }> {
  return probe({ path })
}

/**
 * Files up to this size are read in one call and decoded from memory: for the short clips most
 * datasets hold, the per-read overhead of streaming costs more than the bytes. Longer files
 * stream, so an hour-long recording is never in memory both encoded and decoded.
 */
const READ_WHOLE_BYTES = 8 * 1024 * 1024

/** Decodes a whole file to float channels. Throws AudioFileError with a one-line reason. */
export async function decodeAudio(path: string): Promise<DecodedAudio> {
  const handle = await open(path, 'r')
  let bytes: Uint8Array | undefined
  try {
    const info = await handle.stat()
    if (info.isDirectory()) throw new AudioFileError('not a file: this is a folder')
    if (info.size <= READ_WHOLE_BYTES) bytes = await handle.readFile()
  } finally {
    await handle.close()
  }
  return decodeInput(bytes ? { bytes } : { path })
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
