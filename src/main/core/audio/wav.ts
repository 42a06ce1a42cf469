// A hand-written WAV reader. audio-decode's WAV path materialises the whole file and then a
// second copy as floats; this one reads the header with a few small reads and converts the data
// chunk in fixed blocks straight into the output channels, so an hour of 48 kHz stereo needs
// its float output and 1 MiB more, and a header-only probe of a 2 GB file costs microseconds.
import { beat } from '../heartbeat'
import type { ByteSource } from './byte-source'
import { AudioFileError, checkFormat } from './errors'
import type { AudioInfo } from './types'

const WAVE_FORMAT_PCM = 0x0001
const WAVE_FORMAT_IEEE_FLOAT = 0x0003
const WAVE_FORMAT_EXTENSIBLE = 0xfffe

const KNOWN_CODECS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0055: 'MP3 in WAV',
}

/** Everything needed to convert a WAV's data chunk. */
export interface WavLayout {
  info: AudioInfo
  sampleFormat: 'int' | 'float'
  bytesPerSample: number
  blockAlign: number
  dataOffset: number
  /** Bytes of sample data actually present (whole frames only). */
  dataBytes: number
  warnings: string[]
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

interface Fmt {
  tag: number
  channels: number
  sampleRate: number
  blockAlign: number
  bits: number
  /** WAVE_FORMAT_EXTENSIBLE's valid bits per sample (≤ bits); bits otherwise. */
  validBits: number
}

/** The 14 bytes that follow the format tag in every standard KSDATAFORMAT_SUBTYPE GUID. */
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]

function parseFmt(bytes: Uint8Array): Fmt {
  if (bytes.length < 16) throw new AudioFileError('truncated header: the fmt chunk is cut short')
  const v = view(bytes)
  let tag = v.getUint16(0, true)
  const fmt: Fmt = {
    tag,
    channels: v.getUint16(2, true),
    sampleRate: v.getUint32(4, true),
    blockAlign: v.getUint16(12, true),
    bits: v.getUint16(14, true),
    validBits: v.getUint16(14, true),
  }
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    const cbSize = bytes.length >= 18 ? v.getUint16(16, true) : 0
    if (bytes.length < 40 || cbSize < 22) {
      throw new AudioFileError(`truncated header: WAVE_FORMAT_EXTENSIBLE with cbSize ${cbSize}, no sub-format GUID`)
    }
    tag = v.getUint16(24, true)
    const tail = bytes.subarray(26, 40)
    if (!SUBTYPE_GUID_TAIL.every((b, i) => tail[i] === b)) {
      throw new AudioFileError('unsupported codec: WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID')
    }
    fmt.tag = tag
    fmt.validBits = v.getUint16(18, true) || fmt.bits
    if (fmt.validBits > fmt.bits) {
      throw new AudioFileError(
        `corrupt header: valid bits per sample ${fmt.validBits} exceed the ${fmt.bits}-bit container`,
      )
    }
  }
  return fmt
}

function codecName(fmt: Fmt): string {
  if (fmt.tag === WAVE_FORMAT_PCM) return `PCM ${fmt.bits}-bit`
  if (fmt.tag === WAVE_FORMAT_IEEE_FLOAT) return `float ${fmt.bits}-bit`
  return KNOWN_CODECS[fmt.tag] ?? `format 0x${fmt.tag.toString(16).padStart(4, '0')}`
}

/** Walks the RIFF chunks (RIFF and RF64) with small reads and returns where the samples are. */
export async function readWavLayout(source: ByteSource): Promise<WavLayout> {
  const head = await source.read(0, 12)
  if (head.length < 12) throw new AudioFileError(`truncated header: only ${head.length} bytes`)
  const form = String.fromCharCode(...head.subarray(0, 4))
  if (form === 'RIFX') throw new AudioFileError('unsupported codec: big-endian (RIFX) WAV')
  let fmt: Fmt | undefined
  let dataOffset = -1
  let dataSize = 0
  let rf64DataSize: number | undefined
  let offset = 12
  while (offset + 8 <= source.size) {
    const header = await source.read(offset, 8)
    const id = String.fromCharCode(...header.subarray(0, 4))
    const size = view(header).getUint32(4, true)
    const body = offset + 8
    if (id === 'ds64') {
      const ds64 = view(await source.read(body, 28))
      if (ds64.byteLength >= 16) rf64DataSize = Number(ds64.getBigUint64(8, true))
    } else if (id === 'fmt ') {
      fmt = parseFmt(await source.read(body, Math.min(size, 64)))
    } else if (id === 'data') {
      dataOffset = body
      dataSize = form === 'RF64' && size === 0xffffffff && rf64DataSize !== undefined ? rf64DataSize : size
      if (fmt) break
    }
    // Chunks are word-aligned. A streaming writer leaves size 0 or 0xFFFFFFFF on the last chunk.
    if (id === 'data' && (size === 0 || size === 0xffffffff)) break
    offset = body + size + (size & 1)
  }
  if (!fmt) throw new AudioFileError(dataOffset < 0 ? 'truncated header: no fmt chunk' : 'corrupt header: no fmt chunk')
  if (dataOffset < 0) throw new AudioFileError('truncated header: no data chunk')
  checkFormat(fmt.sampleRate, fmt.channels)
  const warnings: string[] = []

  let sampleFormat: 'int' | 'float'
  if (fmt.tag === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(fmt.bits)) sampleFormat = 'int'
  else if (fmt.tag === WAVE_FORMAT_IEEE_FLOAT && (fmt.bits === 32 || fmt.bits === 64)) sampleFormat = 'float'
  else throw new AudioFileError(`unsupported codec: ${codecName(fmt)} WAV`)
  const bytesPerSample = fmt.bits / 8
  const blockAlign = bytesPerSample * fmt.channels
  // A block align that disagrees with channels × sample size means one of the three is wrong, and
  // nothing says which: guessing would play noise at the wrong speed, so refuse (as libsndfile does).
  if (fmt.blockAlign !== blockAlign) {
    throw new AudioFileError(
      `corrupt header: block align ${fmt.blockAlign}, expected ${blockAlign} (${fmt.channels} channels × ${fmt.bits}-bit)`,
    )
  }

  const available = Math.max(0, source.size - dataOffset)
  const streaming = dataSize === 0 || dataSize === 0xffffffff
  let bytes = streaming ? available : Math.min(dataSize, available)
  if (!streaming && dataSize > available) {
    const promised = dataSize / blockAlign / fmt.sampleRate
    const held = available / blockAlign / fmt.sampleRate
    warnings.push(`truncated: the header promises ${promised.toFixed(2)} s, the file holds ${held.toFixed(2)} s`)
  }
  bytes -= bytes % blockAlign
  const frames = bytes / blockAlign
  return {
    info: {
      container: 'wav',
      codec: codecName(fmt),
      sampleRate: fmt.sampleRate,
      channels: fmt.channels,
      frames,
      duration: frames / fmt.sampleRate,
      bitDepth: fmt.bits,
    },
    sampleFormat,
    bytesPerSample,
    blockAlign,
    dataOffset,
    dataBytes: bytes,
    warnings,
  }
}

/**
 * The most decoded audio one file may become: 2 GiB of float samples (about 3 h of 48 kHz stereo).
 * A header that promises more is refused before anything is allocated.
 */
export const MAX_DECODED_BYTES = 2 * 1024 ** 3

/** Throws when `frames` × `channels` float samples would exceed MAX_DECODED_BYTES. */
export function assertDecodable(frames: number, channels: number, sampleRate: number): void {
  const bytes = frames * channels * 4
  if (bytes > MAX_DECODED_BYTES) {
    const hours = frames / sampleRate / 3600
    throw new AudioFileError(
      `too long to decode: ${hours.toFixed(1)} h × ${channels} channels would need ${(bytes / 1024 ** 3).toFixed(1)} GB; the limit is ${MAX_DECODED_BYTES / 1024 ** 3} GB`,
    )
  }
}

/**
 * Bytes converted per read. Small enough to stay in cache while converted, big enough to amortise
 * the read call; the bytes pass through one buffer per thread, so a long file costs no input
 * allocation (allocating, and faulting in, a fresh buffer per block cost as much as converting).
 */
const BLOCK_BYTES = 1 << 18

let scratch = new Uint8Array(BLOCK_BYTES)

/**
 * Converts the data chunk to float channels, scaled as libsndfile scales them (int / 2^(bits-1),
 * unsigned 8-bit centred on 128), so numbers match `soundfile.read` and `librosa.load`.
 * Reads synchronously: decoding runs on worker threads, and no await may come between filling
 * the shared scratch buffer and converting it.
 */
export async function readWavSamples(source: ByteSource, layout: WavLayout): Promise<Float32Array[]> {
  const { channels: nChannels, frames } = layout.info
  assertDecodable(frames, nChannels, layout.info.sampleRate)
  const channels = Array.from({ length: nChannels }, () => new Float32Array(frames))
  // Whole groups of four frames per block, so 24-bit samples are converted a word at a time.
  const framesPerBlock = 4 * Math.max(1, Math.floor(BLOCK_BYTES / (4 * layout.blockAlign)))
  if (scratch.length < framesPerBlock * layout.blockAlign) scratch = new Uint8Array(framesPerBlock * layout.blockAlign)
  for (let first = 0; first < frames; first += framesPerBlock) {
    const count = Math.min(framesPerBlock, frames - first)
    const block = scratch.subarray(0, count * layout.blockAlign)
    const got = Math.floor(source.readInto(block, layout.dataOffset + first * layout.blockAlign) / layout.blockAlign)
    convertBlock(block, layout, channels, first, got)
    beat()
    if (got < count) break
  }
  return channels
}

/** A typed view of `bytes`, copied first when its offset is not a multiple of the element size. */
function aligned<T>(
  bytes: Uint8Array,
  size: number,
  make: (buffer: ArrayBufferLike, offset: number, length: number) => T,
): T {
  const usable = bytes.length - (bytes.length % size)
  // new Uint8Array(view) copies; Buffer#slice would not.
  const source = bytes.byteOffset % size === 0 ? bytes : new Uint8Array(bytes.subarray(0, usable))
  return make(source.buffer, source.byteOffset, usable / size)
}

// Mono and stereo, nearly every file, get their own loops: one pass writing both channels reads
// the block once, where a pass per channel strides through it twice.

function deinterleave16(src: Int16Array, out: Float32Array[], first: number, count: number): void {
  const n = out.length
  if (n === 2) {
    const left = (out[0] as Float32Array).subarray(first, first + count)
    const right = (out[1] as Float32Array).subarray(first, first + count)
    for (let i = 0, k = 0; i < count; i++, k += 2) {
      left[i] = (src[k] as number) * (1 / 32768)
      right[i] = (src[k + 1] as number) * (1 / 32768)
    }
    return
  }
  for (let c = 0; c < n; c++) {
    const channel = out[c] as Float32Array
    for (let i = 0, k = c; i < count; i++, k += n) channel[first + i] = (src[k] as number) * (1 / 32768)
  }
}

function deinterleave32(src: Int32Array, out: Float32Array[], first: number, count: number): void {
  const n = out.length
  for (let c = 0; c < n; c++) {
    const channel = out[c] as Float32Array
    for (let i = 0, k = c; i < count; i++, k += n) channel[first + i] = (src[k] as number) * (1 / 2147483648)
  }
}

function deinterleaveFloat(src: Float32Array | Float64Array, out: Float32Array[], first: number, count: number): void {
  const n = out.length
  if (n === 2) {
    const left = (out[0] as Float32Array).subarray(first, first + count)
    const right = (out[1] as Float32Array).subarray(first, first + count)
    for (let i = 0, k = 0; i < count; i++, k += 2) {
      left[i] = src[k] as number
      right[i] = src[k + 1] as number
    }
    return
  }
  for (let c = 0; c < n; c++) {
    const channel = out[c] as Float32Array
    for (let i = 0, k = c; i < count; i++, k += n) channel[first + i] = src[k] as number
  }
}

const INT24_SCALE = 1 / 8388608

/**
 * 24-bit samples, mono or stereo, four at a time from three little-endian 32-bit words (bytes
 * 0-11): shifts rebuild and sign-extend each sample from its word parts, three loads where a
 * byte loop makes twelve. `bytes` must be 4-byte aligned; returns the frames converted (whole
 * groups of four samples), the caller converts the rest byte by byte.
 */
function convert24Words(bytes: Uint8Array, out: Float32Array[], first: number, count: number): number {
  const n = out.length
  const groups = Math.floor((count * n) / 4)
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, groups * 3)
  if (n === 1) {
    const mono = (out[0] as Float32Array).subarray(first, first + groups * 4)
    for (let o = 0, k = 0; k < words.length; o += 4, k += 3) {
      const w0 = words[k] as number
      const w1 = words[k + 1] as number
      const w2 = words[k + 2] as number
      mono[o] = ((w0 << 8) >> 8) * INT24_SCALE
      mono[o + 1] = (((w1 << 16) >> 8) | (w0 >>> 24)) * INT24_SCALE
      mono[o + 2] = (((w2 << 24) >> 8) | (w1 >>> 16)) * INT24_SCALE
      mono[o + 3] = (w2 >> 8) * INT24_SCALE
    }
    return groups * 4
  }
  const left = (out[0] as Float32Array).subarray(first, first + groups * 2)
  const right = (out[1] as Float32Array).subarray(first, first + groups * 2)
  for (let o = 0, k = 0; k < words.length; o += 2, k += 3) {
    const w0 = words[k] as number
    const w1 = words[k + 1] as number
    const w2 = words[k + 2] as number
    left[o] = ((w0 << 8) >> 8) * INT24_SCALE
    right[o] = (((w1 << 16) >> 8) | (w0 >>> 24)) * INT24_SCALE
    left[o + 1] = (((w2 << 24) >> 8) | (w1 >>> 16)) * INT24_SCALE
    right[o + 1] = (w2 >> 8) * INT24_SCALE
  }
  return groups * 2
}

function convert24(bytes: Uint8Array, out: Float32Array[], first: number, count: number): void {
  const n = out.length
  const done = (n === 1 || n === 2) && bytes.byteOffset % 4 === 0 ? convert24Words(bytes, out, first, count) : 0
  for (let c = 0; c < n; c++) {
    const channel = out[c] as Float32Array
    for (let i = done, at = 3 * (done * n + c); i < count; i++, at += 3 * n) {
      const value = (bytes[at] as number) | ((bytes[at + 1] as number) << 8) | (((bytes[at + 2] as number) << 24) >> 8)
      channel[first + i] = value * INT24_SCALE
    }
  }
}

/**
 * De-interleaves and scales one block. Typed-array views rather than DataView calls: on
 * little-endian hosts (every platform Electron ships on) this is several times faster.
 * Converts `count` frames of raw WAV data into `out[c][first …]`, one array per channel.
 */
export function convertBlock(
  bytes: Uint8Array,
  layout: WavLayout,
  out: Float32Array[],
  first: number,
  count: number,
): void {
  const n = out.length
  switch (`${layout.sampleFormat}${layout.bytesPerSample * 8}`) {
    case 'int8':
      for (let c = 0; c < n; c++) {
        const channel = out[c] as Float32Array
        for (let i = 0, k = c; i < count; i++, k += n) channel[first + i] = ((bytes[k] as number) - 128) * (1 / 128)
      }
      break
    case 'int16':
      deinterleave16(
        aligned(bytes, 2, (b, o, l) => new Int16Array(b, o, l)),
        out,
        first,
        count,
      )
      break
    case 'int24':
      convert24(bytes, out, first, count)
      break
    case 'int32':
      deinterleave32(
        aligned(bytes, 4, (b, o, l) => new Int32Array(b, o, l)),
        out,
        first,
        count,
      )
      break
    case 'float32': {
      const src = aligned(bytes, 4, (b, o, l) => new Float32Array(b, o, l))
      if (n === 1) (out[0] as Float32Array).set(src.subarray(0, count), first)
      else deinterleaveFloat(src, out, first, count)
      break
    }
    case 'float64':
      deinterleaveFloat(
        aligned(bytes, 8, (b, o, l) => new Float64Array(b, o, l)),
        out,
        first,
        count,
      )
      break
    default:
      throw new AudioFileError(`unsupported codec: ${layout.sampleFormat} ${layout.bytesPerSample * 8}-bit WAV`)
  }
}
