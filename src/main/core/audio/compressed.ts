// FLAC, MP3, Ogg Vorbis and Opus go through well-kept WebAssembly decoders (the @audio/decode-*
// packages of audio-decode, built on the @wasm-audio-decoders family) and their headers through
// music-metadata: no reason to write either by hand. The per-codec packages are used directly,
// not audio-decode's wrapper, because only they report the frames they could not decode.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { parseBuffer, parseStream, type IAudioMetadata } from 'music-metadata'
import { beat } from '../heartbeat'
import { AudioFileError, checkFormat } from './errors'
import { oggCodec } from './sniff'
import { streamEnd } from './stream-length'
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

/**
 * A compressed file's header, with what its length is worth. A header's length is a claim (a
 * bogus STREAMINFO or Xing count can promise days); `knownFrames` is the length read from the
 * stream itself (FLAC's last frame header, Ogg's last page), or an MP3 claim the file's size can
 * hold, and is what a decode may be refused on before it starts.
 */
export interface CompressedInfo extends AudioInfo {
  /** The header's own length claim (STREAMINFO, Xing), to tell a truncated file by. */
  claimedFrames: number
  /** Frames the stream really holds, when they could be read without decoding. */
  knownFrames?: number
  /** Bytes after the stream's last whole Ogg page: the file was cut. */
  cutShort?: boolean
}

/** The MIME type that makes music-metadata parse a container whatever the file is named. */
const MIME_TYPES: Record<CompressedContainer, string> = {
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
}

/**
 * music-metadata's reading of the header. The parser is chosen by the content we sniffed, never by
 * the file name (its parseFile would read an MP3 named .wav as a WAV and find no channels).
 */
async function parseHeader(
  input: { path: string } | { bytes: Uint8Array },
  container: CompressedContainer,
  size: number,
): Promise<IAudioMetadata> {
  const fileInfo = { mimeType: MIME_TYPES[container], size }
  const options = { duration: container === 'mp3', skipCovers: true }
  if ('bytes' in input) return parseBuffer(input.bytes, fileInfo, options)
  const stream = createReadStream(input.path, { highWaterMark: 1 << 16 })
  try {
    return await parseStream(stream, fileInfo, options)
  } finally {
    stream.destroy()
  }
}

/** A parser that ran off the end of the bytes it was given: the header is cut short. */
function isEndOfData(error: unknown): boolean {
  if (error instanceof RangeError) return true
  const message = error instanceof Error ? `${error.name} ${error.message}` : String(error)
  return /outside the bounds|end.of.stream|unexpected end|beyond the end/i.test(message)
}

/** The first MPEG frame after an ID3v2 tag is whole (its length by the frame header's fields). */
function firstMpegFrameIsWhole(head: Uint8Array, size: number): boolean {
  let at = 0
  if (head[0] === 0x49 && head[1] === 0x44 && head[2] === 0x33 && head.length >= 10) {
    const syncsafe = (((head[6] ?? 0) & 0x7f) << 21) | (((head[7] ?? 0) & 0x7f) << 14) | (((head[8] ?? 0) & 0x7f) << 7)
    at = 10 + (syncsafe | ((head[9] ?? 0) & 0x7f)) + ((head[5] ?? 0) & 0x10 ? 10 : 0)
  }
  for (; at + 4 <= Math.min(size, head.length); at++) {
    const length = mpegFrameLength(head, at)
    if (length !== undefined) return at + length <= size
  }
  // Past the bytes sniffed but not past the file's end: nothing says the file was cut.
  return at + 4 <= size
}

const MPEG_BIT_RATES: Record<string, number[]> = {
  // kbit/s by bit-rate index, per MPEG version (1, or 2 and 2.5) and layer.
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
const MPEG_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
}

/** The byte length of the MPEG audio frame whose header is at `at`, or undefined if none is. */
function mpegFrameLength(bytes: Uint8Array, at: number): number | undefined {
  const [b0, b1, b2] = [bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0]
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined
  const version = (b1 >> 3) & 3
  const layer = 4 - ((b1 >> 1) & 3)
  const rate = MPEG_RATES[version]?.[(b2 >> 2) & 3]
  const kbps = MPEG_BIT_RATES[`${version === 3 ? 1 : 2}-${layer}`]?.[b2 >> 4]
  if (!rate || !kbps || layer > 3) return undefined
  const padding = (b2 >> 1) & 1
  if (layer === 1) return (Math.floor((12 * kbps * 1000) / rate) + padding) * 4
  const perFrame = layer === 3 && version !== 3 ? 72 : 144
  return Math.floor((perFrame * kbps * 1000) / rate) + padding
}

/**
 * Why a header gave no format. music-metadata reports a cut-short header as a format with no
 * channels or as a DataView range error; the user should read "truncated header" for both.
 */
function headerProblem(codec: string, container: CompressedContainer, head: Uint8Array, size: number): string {
  // fLaC, then STREAMINFO's 4-byte block header and 34-byte body.
  if (container === 'flac' && size < 42) return `truncated header: only ${size} bytes, a FLAC header needs 42`
  if (container === 'mp3' && !firstMpegFrameIsWhole(head, size)) {
    return `truncated header: no whole MP3 frame in ${size} bytes`
  }
  return `corrupt ${codec} header: it declares no audio channels`
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

/**
 * The most samples an MP3 of `size` bytes can decode to: no MPEG audio frame averages under
 * 8 kbit/s (MPEG-2 layer III's lowest rate), so a second of audio takes at least 1,000 bytes.
 */
function mp3MostFrames(size: number, sampleRate: number): number {
  return Math.ceil((size / 1000) * sampleRate) + 4 * 1152
}

export async function probeCompressed(
  input: { path: string } | { bytes: Uint8Array },
  container: CompressedContainer,
  head: Uint8Array,
): Promise<CompressedInfo> {
  const { codec } = decoderFor(container, head)
  const size = 'bytes' in input ? input.bytes.length : (await stat(input.path)).size
  let meta: IAudioMetadata
  try {
    meta = await parseHeader(input, container, size)
  } catch (error) {
    if (isEndOfData(error)) {
      throw new AudioFileError(`truncated header: the ${codec} header is cut short (${size} bytes)`, { cause: error })
    }
    throw new AudioFileError(`corrupt ${codec} header: ${describe(error)}`, { cause: error })
  }
  if (!meta.format.numberOfChannels || !meta.format.sampleRate) {
    throw new AudioFileError(headerProblem(codec, container, head, size))
  }
  const info = infoFrom(meta, container, codec)
  const end = await streamEnd(input, container, head, size)
  const claimedFrames = info.frames
  let knownFrames = end?.frames
  if (container === 'mp3' && claimedFrames <= mp3MostFrames(size, info.sampleRate)) knownFrames = claimedFrames
  // FLAC's STREAMINFO, when it is not 0 (unknown), bounds its last frame's number from above.
  if (container === 'flac' && knownFrames !== undefined && claimedFrames > 0) {
    knownFrames = Math.min(knownFrames, claimedFrames)
  }
  return {
    ...info,
    frames: knownFrames ?? claimedFrames,
    duration: (knownFrames ?? claimedFrames) / info.sampleRate,
    claimedFrames,
    ...(knownFrames === undefined ? {} : { knownFrames }),
    ...(end?.cutShort ? { cutShort: true } : {}),
  }
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

  /**
   * The decoded channels. Copied to their length when a header's claim left much unused room:
   * a view would keep (and send to another thread) the whole allocation.
   */
  result(): Float32Array[] {
    const capacity = this.channels[0]?.length ?? 0
    const trim = capacity - this.frames > Math.max(1 << 16, this.frames / 8)
    return this.channels.map((c) => (trim ? c.slice(0, this.frames) : c.subarray(0, this.frames)))
  }
}

/** Bytes a FLAC frame header can span: sync, codes, a 7-byte number, block size, rate, CRC-8. */
const FLAC_HEADER_SPAN = 17

/**
 * Re-cuts a FLAC byte stream so that no chunk ends inside a possible frame header. The FLAC
 * package's frame splitter looks for the next frame's sync only where the whole header is in its
 * buffer; a sync in a chunk's last bytes went unseen, two frames were handed to the decoder as one,
 * and the second was lost (a 30 s stereo file decoded 504 samples short, a 5 min one 5,040).
 */
async function* flacChunks(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry = new Uint8Array(0)
  for await (const chunk of chunks) {
    const buffer = carry.length === 0 ? chunk : concat(carry, chunk)
    let cut = buffer.length
    for (let i = Math.max(0, buffer.length - FLAC_HEADER_SPAN); i < buffer.length; i++) {
      if (buffer[i] === 0xff && (i + 1 >= buffer.length || ((buffer[i + 1] as number) & 0xfe) === 0xf8)) {
        cut = i
        break
      }
    }
    if (cut > 0) yield buffer.subarray(0, cut)
    carry = buffer.slice(cut)
  }
  if (carry.length > 0) yield carry
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length)
  joined.set(a)
  joined.set(b, a.length)
  return joined
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
  expected: CompressedInfo,
): Promise<{ sampleRate: number; channels: Float32Array[]; warnings: string[] }> {
  // The header's length is a claim (a bogus Xing frame count can promise days): start small and
  // let the accumulator double, so memory follows the frames that really decode. A length read
  // from the stream itself (or one the file's size can hold) is allocated at once: growing by
  // doubling copied and faulted in twice the samples, a third of a long FLAC's decoding time.
  const initial = expected.knownFrames === undefined ? Math.min(expected.frames, 1 << 20) : expected.knownFrames
  const out = new ChannelAccumulator(initial + 4096, expected.sampleRate)
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
  sink: (block: Float32Array[]) => void | Promise<void>,
): Promise<{ sampleRate: number; channels: number; frames: number; warnings: string[] }> {
  const { decoder, codec } = decoderFor(container, head)
  const stream = 'path' in input ? createReadStream(input.path, { highWaterMark: 1 << 16 }) : undefined
  const raw = stream ?? chunksOf((input as { bytes: Uint8Array }).bytes)
  const source = container === 'flac' ? flacChunks(raw as AsyncIterable<Uint8Array>) : raw
  // mpg123 always decodes to stereo; a mono MP3 comes back as two equal channels.
  const monoMp3 = container === 'mp3' && expected.channels === 1
  const flacBits = container === 'flac' ? expected.bitDepth : undefined
  let sampleRate = 0
  let channels = 0
  let frames = 0
  let damaged = 0
  let firstError = ''
  // What the sink threw is its own error (a cancel, a model that failed), not a damaged stream.
  let sinkFailure: { error: unknown } | undefined
  // The sink may be slow (a detector scoring each block): the next chunk is decoded once it is done.
  const take = async (result: CodecOutput): Promise<void> => {
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
    try {
      await sink(block)
    } catch (error) {
      sinkFailure = { error }
      throw error
    }
  }
  const codecInstance = await openCodec(decoder)
  try {
    for await (const chunk of source) {
      await take(quietly(() => codecInstance.decode(chunk as Uint8Array)))
      beat()
    }
    if (codecInstance.flush) await take(quietly(() => codecInstance.flush?.() as CodecOutput))
  } catch (error) {
    if (sinkFailure) throw sinkFailure.error
    if (error instanceof AudioFileError) throw error
    throw new AudioFileError(`corrupt ${codec} stream: ${describe(error)}`, { cause: error })
  } finally {
    codecInstance.free()
    stream?.destroy()
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
