// A compressed stream's true length, read from its last few kilobytes instead of by decoding it:
// FLAC's last frame header numbers its samples, and an Ogg page's granule position counts the
// samples decoded by its end. Both carry a checksum, so stray bytes are not mistaken for them.
import { open } from 'node:fs/promises'

/** Bytes read from the end: more than the largest Ogg page (65,307) and a usual FLAC frame. */
const TAIL_BYTES = 96 * 1024

/** What the end of a stream says: its length in frames, and whether its last Ogg page is cut. */
export interface StreamEnd {
  frames?: number
  cutShort?: boolean
}

async function tailOf(input: { path: string } | { bytes: Uint8Array }, size: number): Promise<Uint8Array> {
  const from = Math.max(0, size - TAIL_BYTES)
  if ('bytes' in input) return input.bytes.subarray(from)
  const handle = await open(input.path, 'r')
  try {
    const buffer = Buffer.alloc(size - from)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/**
 * The stream's length from its end, or undefined when its end cannot say (an MP3, whose frames do
 * not count samples; a FLAC frame too large for the tail; no whole Ogg page in it).
 */
export async function streamEnd(
  input: { path: string } | { bytes: Uint8Array },
  container: 'flac' | 'mp3' | 'ogg',
  head: Uint8Array,
  size: number,
): Promise<StreamEnd | undefined> {
  if (container === 'mp3') return undefined
  const tail = await tailOf(input, size)
  if (container === 'flac') {
    const frames = lastFlacFrameEnd(tail, flacFixedBlockSize(head))
    return frames === undefined ? undefined : { frames }
  }
  return lastOggGranule(tail, opusPreSkip(head))
}

/** STREAMINFO's maximum block size: the block size of every frame of a fixed-blocksize stream. */
function flacFixedBlockSize(head: Uint8Array): number {
  return ((head[10] ?? 0) << 8) | (head[11] ?? 0)
}

const CRC8 = (() => {
  const table = new Uint8Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff
    table[i] = c
  }
  return table
})()

/**
 * The sample just past the last FLAC frame whose header is whole and checks out (CRC-8), or
 * undefined. A fixed-blocksize stream numbers its frames, a variable one its first samples.
 */
function lastFlacFrameEnd(tail: Uint8Array, fixedBlock: number): number | undefined {
  for (let at = tail.length - 6; at >= 0; at--) {
    if (tail[at] !== 0xff || ((tail[at + 1] as number) & 0xfe) !== 0xf8) continue
    const end = flacFrameEnd(tail, at, fixedBlock)
    if (end !== undefined) return end
  }
  return undefined
}

function flacFrameEnd(bytes: Uint8Array, at: number, fixedBlock: number): number | undefined {
  const byte = (i: number) => bytes[i] ?? 0
  const variable = (byte(at + 1) & 1) === 1
  const sizeCode = byte(at + 2) >> 4
  const rateCode = byte(at + 2) & 0x0f
  const channelCode = byte(at + 3) >> 4
  const bitsCode = (byte(at + 3) >> 1) & 7
  if (sizeCode === 0 || rateCode === 15 || channelCode > 10 || bitsCode === 3 || (byte(at + 3) & 1) !== 0) return
  // The frame or sample number, coded as UTF-8 extended to 36 bits.
  let p = at + 4
  const first = byte(p++)
  let extra: number
  let number: number
  if (first < 0x80) [number, extra] = [first, 0]
  else if (first >= 0xc0 && first < 0xe0) [number, extra] = [first & 0x1f, 1]
  else if (first >= 0xe0 && first < 0xf0) [number, extra] = [first & 0x0f, 2]
  else if (first >= 0xf0 && first < 0xf8) [number, extra] = [first & 0x07, 3]
  else if (first >= 0xf8 && first < 0xfc) [number, extra] = [first & 0x03, 4]
  else if (first >= 0xfc && first < 0xfe) [number, extra] = [first & 0x01, 5]
  else if (first === 0xfe) [number, extra] = [0, 6]
  else return
  for (let k = 0; k < extra; k++) {
    const b = byte(p++)
    if ((b & 0xc0) !== 0x80) return
    number = number * 64 + (b & 0x3f)
  }
  let block: number
  if (sizeCode === 1) block = 192
  else if (sizeCode <= 5) block = 576 * 2 ** (sizeCode - 2)
  else if (sizeCode === 6) block = byte(p++) + 1
  else if (sizeCode === 7) {
    block = ((byte(p) << 8) | byte(p + 1)) + 1
    p += 2
  } else block = 256 * 2 ** (sizeCode - 8)
  if (rateCode === 12) p += 1
  else if (rateCode === 13 || rateCode === 14) p += 2
  if (p >= bytes.length) return
  let crc = 0
  for (let i = at; i < p; i++) crc = CRC8[crc ^ byte(i)] as number
  if (crc !== byte(p)) return
  if (!variable && fixedBlock === 0) return
  return (variable ? number : number * fixedBlock) + block
}

const CRC32 = (() => {
  const table = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i << 24
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1
    table[i] = c >>> 0
  }
  return table
})()

/** Ogg's page checksum: CRC-32 (polynomial 0x04c11db7, not reflected) with its own field as zeros. */
function oggPageCrc(page: Uint8Array): number {
  let crc = 0
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : (page[i] as number)
    crc = ((crc << 8) ^ (CRC32[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0
  }
  return crc
}

/**
 * The granule position of the last whole Ogg page that checks out, less Opus's pre-skip, and
 * whether bytes follow that page (a cut file's last page is partial).
 */
function lastOggGranule(tail: Uint8Array, preSkip: number): StreamEnd | undefined {
  let cutShort = false
  for (let at = tail.length - 27; at >= 0; at--) {
    if (tail[at] !== 0x4f || tail[at + 1] !== 0x67 || tail[at + 2] !== 0x67 || tail[at + 3] !== 0x53) continue
    if (tail[at + 4] !== 0) continue
    const segments = tail[at + 26] as number
    let length = 27 + segments
    for (let k = 0; k < segments; k++) length += tail[at + 27 + k] ?? 0
    if (at + 27 + segments > tail.length || at + length > tail.length) {
      // A page header whose body runs past the end of the file.
      cutShort = true
      continue
    }
    const page = tail.subarray(at, at + length)
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength)
    if (oggPageCrc(page) !== view.getUint32(22, true)) continue
    if (at + length < tail.length) cutShort = true
    const granule = view.getBigInt64(6, true)
    // -1: no packet ends on this page; an earlier page has the count.
    if (granule < 0n) continue
    return { frames: Math.max(0, Number(granule) - preSkip), cutShort }
  }
  return cutShort ? { cutShort } : undefined
}

/** OpusHead's pre-skip: samples the decoder drops at the start, counted in the granule. */
function opusPreSkip(head: Uint8Array): number {
  const start = 27 + (head[26] ?? 0)
  const magic = String.fromCharCode(...head.subarray(start, start + 8))
  return magic === 'OpusHead' ? (head[start + 10] ?? 0) | ((head[start + 11] ?? 0) << 8) : 0
}
