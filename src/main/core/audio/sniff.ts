import { AudioFileError } from './errors'
import type { AudioContainer } from './types'

/** How many leading bytes `sniffContainer` needs. */
export const SNIFF_BYTES = 4096

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length))
}

/** An MPEG audio frame header: 11 sync bits, a valid version, layer and bit-rate index. */
function isMpegFrame(bytes: Uint8Array, at: number): boolean {
  const [b0, b1, b2] = [bytes[at], bytes[at + 1], bytes[at + 2]]
  if (b0 === undefined || b1 === undefined || b2 === undefined) return false
  return b0 === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x18) !== 0x08 && (b1 & 0x06) !== 0 && b2 >> 4 !== 0x0f
}

/** Mostly printable text with no NUL bytes: a CSV, a README or an HTML error page saved as `.wav`. */
function looksLikeText(bytes: Uint8Array): boolean {
  let printable = 0
  for (const b of bytes) {
    if (b === 0) return false
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0x80) printable++
  }
  return printable / bytes.length > 0.95
}

/**
 * The container, judged by content rather than by the file name: a `.wav` that is really an MP3
 * decodes as the MP3 it is. Throws an AudioFileError saying what the bytes look like otherwise.
 */
export function sniffContainer(head: Uint8Array): AudioContainer {
  if (head.length === 0) throw new AudioFileError('empty file (0 bytes)')
  const tag = ascii(head, 0, 4)
  if ((tag === 'RIFF' || tag === 'RF64' || tag === 'RIFX') && ascii(head, 8, 4) === 'WAVE') return 'wav'
  if (tag === 'fLaC') return 'flac'
  if (tag === 'OggS') return 'ogg'
  if (ascii(head, 0, 3) === 'ID3' || isMpegFrame(head, 0)) return 'mp3'
  if (tag === 'RIFF' || tag === 'RF64') throw new AudioFileError('truncated header: a RIFF file without a WAVE form')
  if (head.length < 12 && 'RIFF'.startsWith(ascii(head, 0, Math.min(4, head.length)))) {
    throw new AudioFileError(`truncated header: only ${head.length} bytes`)
  }
  if (looksLikeText(head.subarray(0, 1024))) throw new AudioFileError('not audio: the file is text')
  throw new AudioFileError('not a recognised audio format (WAV, FLAC, MP3, Ogg Vorbis or Opus)')
}

/** Vorbis or Opus, from the first Ogg page's packet. */
export function oggCodec(head: Uint8Array): 'Vorbis' | 'Opus' | 'FLAC' | null {
  const segments = head[26] ?? 0
  const start = 27 + segments
  if (ascii(head, start, 8) === 'OpusHead') return 'Opus'
  if (ascii(head, start + 1, 6) === 'vorbis') return 'Vorbis'
  if (ascii(head, start + 1, 4) === 'FLAC') return 'FLAC'
  return null
}
