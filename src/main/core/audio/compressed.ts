// FLAC, MP3, Ogg Vorbis and Opus go through well-kept WebAssembly decoders (the @audio/decode-*
// packages of audio-decode, built on the @wasm-audio-decoders family) and their headers through
// music-metadata: no reason to write either by hand. The per-codec packages are used directly,
// not audio-decode's wrapper, because only they report the frames they could not decode.
import { createReadStream } from 'node:fs'
import { parseBuffer, parseFile, type IAudioMetadata } from 'music-metadata'
import { AudioFileError, checkFormat } from './errors'
import { oggCodec } from './sniff'
import { assertDecodable } from './wav'
import type { AudioContainer, AudioInfo } from './types'

type CompressedContainer = Exclude<AudioContainer, 'wav'>
type DecoderName = 'flac' | 'mp3' | 'oga' | 'opus'

function decoderFor(container: CompressedContainer, head: Uint8Array): { decoder: DecoderName; codec: string } {
  if (container === 'flac') return { decoder: 'flac', codec: 'FLAC' }
  if (container === 'mp3') return { decoder: 'mp3', codec: 'MP3' }
  const codec = oggCodec(head)
  if (codec === 'Vorbis') return { decoder: 'oga', codec }
  if (codec === 'Opus') return { decoder: 'opus', codec }
  throw new AudioFileError(codec ? `unsupported codec: Ogg ${codec}` : 'corrupt Ogg stream: no Vorbis or Opus header')
}

function infoFrom(meta: IAudioMetadata, container: CompressedContainer, codec: string): AudioInfo {
  const { sampleRate = 0, numberOfChannels = 0, duration = 0, bitsPerSample } = meta.format
  // Opus always decodes at 48 kHz whatever rate the encoder was given.
  const rate = codec === 'Opus' ? 48000 : sampleRate
  checkFormat(rate, numberOfChannels)
  const info: AudioInfo = {
    container,
    codec,
    sampleRate: rate,
    channels: numberOfChannels,
    frames: Math.round(duration * rate),
    duration,
  }
  if (bitsPerSample) info.bitDepth = bitsPerSample
  return info
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export async function probeCompressed(
  input: { path: string } | { bytes: Uint8Array },
  container: CompressedContainer,
  head: Uint8Array,
): Promise<AudioInfo> {
  const { codec } = decoderFor(container, head)
  let meta: IAudioMetadata
  try {
    const options = { duration: container === 'mp3', skipCovers: true }
    meta = 'path' in input ? await parseFile(input.path, options) : await parseBuffer(input.bytes, undefined, options)
  } catch (error) {
    throw new AudioFileError(`corrupt ${codec} header: ${describe(error)}`, { cause: error })
  }
  return infoFrom(meta, container, codec)
}

/** Appends decoded blocks into channels that grow by doubling, so a long file is held once. */
class ChannelAccumulator {
  channels: Float32Array[] = []
  frames = 0

  constructor(
    private capacity: number,
    /** For the message when the decoded size passes the cap. */
    private readonly sampleRate: number,
  ) {}

  push(block: Float32Array[]): void {
    if (this.channels.length === 0) {
      this.channels = block.map(() => new Float32Array(Math.max(this.capacity, 4096)))
    }
    if (block.length !== this.channels.length) throw new AudioFileError('corrupt stream: the channel count changes')
    const n = block[0]?.length ?? 0
    assertDecodable(this.frames + n, block.length, this.sampleRate)
    if (this.frames + n > (this.channels[0]?.length ?? 0)) {
      const size = Math.max(this.frames + n, 2 * (this.channels[0]?.length ?? 0))
      this.channels = this.channels.map((old) => {
        const grown = new Float32Array(size)
        grown.set(old.subarray(0, this.frames))
        return grown
      })
    }
    block.forEach((data, c) => (this.channels[c] as Float32Array).set(data, this.frames))
    this.frames += n
  }

  result(): Float32Array[] {
    return this.channels.map((c) => c.subarray(0, this.frames))
  }
}

async function* chunksOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 1 << 16) yield bytes.subarray(at, at + (1 << 16))
}

/** What the codec packages return: audio-decode's AudioData, plus what their .d.ts leaves out. */
interface CodecOutput {
  channelData: Float32Array[]
  sampleRate: number
  samplesDecoded?: number
  errors?: { message: string }[]
}

interface Codec {
  decode(chunk: Uint8Array): CodecOutput
  flush?(): CodecOutput
  free(): void
}

async function openCodec(decoder: DecoderName): Promise<Codec> {
  const load = {
    flac: () => import('@audio/decode-flac'),
    mp3: () => import('@audio/decode-mp3'),
    oga: () => import('@audio/decode-vorbis'),
    opus: () => import('@audio/decode-opus'),
  }[decoder]
  return (await (await load()).decoder()) as Codec
}

/**
 * Runs a synchronous codec call with its console.error chatter collected rather than printed:
 * mpg123 reports each damaged frame on stderr, which would flood the CLI's progress bar.
 */
function quietly<T>(call: () => T): T {
  const original = console.error
  console.error = () => undefined
  try {
    return call()
  } finally {
    console.error = original
  }
}

/** More damaged frames than this fraction of decoded ones means the file is not audio worth keeping. */
const MAX_DAMAGED_FRACTION = 0.1
/** Samples per MPEG frame, to compare damaged frames with good ones. */
const SAMPLES_PER_FRAME = 1152

/**
 * The FLAC decoder divides integer samples by 2^(bits-1) - 1; libsndfile (soundfile, librosa)
 * divides by 2^(bits-1). Rescaling makes a FLAC decode to exactly the numbers its WAV does.
 */
function rescaleFlac(channels: Float32Array[], bits: number): void {
  const full = 2 ** (bits - 1)
  const factor = (full - 1) / full
  for (const channel of channels)
    for (let i = 0; i < channel.length; i++) channel[i] = Math.fround((channel[i] as number) * factor)
}

/** Streams the file through the decoder, so the encoded bytes are never all in memory. */
export async function decodeCompressed(
  input: { path: string } | { bytes: Uint8Array },
  container: CompressedContainer,
  head: Uint8Array,
  expected: AudioInfo,
): Promise<{ sampleRate: number; channels: Float32Array[]; warnings: string[] }> {
  // The header's length is a claim (a bogus Xing frame count can promise days): start small and
  // let the accumulator double, so memory follows the frames that really decode.
  const out = new ChannelAccumulator(Math.min(expected.frames + 4096, 1 << 20), expected.sampleRate)
  const { sampleRate, warnings } = await streamCompressed(input, container, head, expected, (block) => out.push(block))
  return { sampleRate, channels: out.result(), warnings }
}

/**
 * Streams the file through the decoder, handing each decoded block (float channels, valid only
 * during the call) to `sink`, so that neither the encoded bytes nor the decoded samples are ever
 * all in memory. Blocks come as the whole decode returns them: a mono MP3's duplicate channel
 * dropped, FLAC scaled as libsndfile scales it. Returns the stream's own rate and length, which
 * are the truth where the header's are a claim.
 */
export async function streamCompressed(
  input: { path: string } | { bytes: Uint8Array },
  container: CompressedContainer,
  head: Uint8Array,
  expected: AudioInfo,
  sink: (block: Float32Array[]) => void,
): Promise<{ sampleRate: number; channels: number; frames: number; warnings: string[] }> {
  const { decoder, codec } = decoderFor(container, head)
  const source = 'path' in input ? createReadStream(input.path, { highWaterMark: 1 << 16 }) : chunksOf(input.bytes)
  // mpg123 always decodes to stereo; a mono MP3 comes back as two equal channels.
  const monoMp3 = container === 'mp3' && expected.channels === 1
  const flacBits = container === 'flac' ? expected.bitDepth : undefined
  let sampleRate = 0
  let channels = 0
  let frames = 0
  let damaged = 0
  let firstError = ''
  const take = (result: CodecOutput): void => {
    if (result.errors?.length) {
      damaged += result.errors.length
      firstError ||= result.errors[0]?.message ?? ''
    }
    const n = result.samplesDecoded ?? result.channelData[0]?.length ?? 0
    if (n === 0 || result.channelData.length === 0) return
    if (sampleRate !== 0 && result.sampleRate !== sampleRate) {
      throw new AudioFileError('corrupt stream: the sample rate changes mid-stream')
    }
    sampleRate = result.sampleRate
    let block = result.channelData.map((c) => c.subarray(0, n))
    if (monoMp3 && block.length === 2) block = block.slice(0, 1)
    if (flacBits) rescaleFlac(block, flacBits)
    channels = block.length
    frames += n
    sink(block)
  }
  const codecInstance = await openCodec(decoder)
  try {
    for await (const chunk of source) take(quietly(() => codecInstance.decode(chunk as Uint8Array)))
    if (codecInstance.flush) take(quietly(() => codecInstance.flush?.() as CodecOutput))
  } catch (error) {
    if (error instanceof AudioFileError) throw error
    throw new AudioFileError(`corrupt ${codec} stream: ${describe(error)}`, { cause: error })
  } finally {
    codecInstance.free()
    if ('destroy' in source) source.destroy()
  }
  if (frames === 0) throw new AudioFileError(`no audio: the ${codec} stream decodes to nothing`)
  const warnings: string[] = []
  if (damaged > 0) {
    const good = Math.max(1, frames / SAMPLES_PER_FRAME)
    if (damaged / good > MAX_DAMAGED_FRACTION) {
      throw new AudioFileError(`corrupt ${codec} stream: ${damaged} damaged frames (${firstError})`)
    }
    warnings.push(`${damaged} damaged ${codec} frames skipped (${firstError})`)
  }
  checkFormat(sampleRate, channels)
  return { sampleRate, channels, frames, warnings }
}
