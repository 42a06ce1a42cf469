import { closeSync, openSync, writeSync } from 'node:fs'

/** Sample encodings a WAV fixture can use; each is one the studio must read. */
export type WavEncoding = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64'

const BITS: Record<WavEncoding, number> = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 }

/** Rounds a float sample to the integer libsndfile would write, clipping at full scale. */
function quantise(value: number, bits: number): number {
  const scale = 2 ** (bits - 1)
  return Math.max(-scale, Math.min(scale - 1, Math.round(value * scale)))
}

/**
 * Writes a WAV file byte by byte, independently of the reader under test, so a test can compare
 * what it wrote with what the studio reads. `extensible` writes WAVE_FORMAT_EXTENSIBLE.
 */
export function encodeWav(
  channels: readonly Float32Array[],
  sampleRate: number,
  encoding: WavEncoding = 'pcm16',
  options: { extensible?: boolean; extraChunk?: boolean } = {},
): Buffer {
  const bits = BITS[encoding]
  const bytes = bits / 8
  const n = channels.length
  const frames = channels[0]?.length ?? 0
  const isFloat = encoding.startsWith('float')
  const fmtSize = options.extensible ? 40 : 16
  const extra = options.extraChunk ? 8 + 10 : 0
  const dataSize = frames * n * bytes
  const out = Buffer.alloc(12 + 8 + fmtSize + extra + 8 + dataSize)
  out.write('RIFF', 0, 'ascii')
  out.writeUInt32LE(out.length - 8, 4)
  out.write('WAVE', 8, 'ascii')
  let at = 12
  out.write('fmt ', at, 'ascii')
  out.writeUInt32LE(fmtSize, at + 4)
  out.writeUInt16LE(options.extensible ? 0xfffe : isFloat ? 3 : 1, at + 8)
  out.writeUInt16LE(n, at + 10)
  out.writeUInt32LE(sampleRate, at + 12)
  out.writeUInt32LE(sampleRate * n * bytes, at + 16)
  out.writeUInt16LE(n * bytes, at + 20)
  out.writeUInt16LE(bits, at + 22)
  if (options.extensible) {
    out.writeUInt16LE(22, at + 24)
    out.writeUInt16LE(bits, at + 26)
    out.writeUInt32LE(2 ** n - 1, at + 28)
    out.writeUInt16LE(isFloat ? 3 : 1, at + 32)
    // The rest of the KSDATAFORMAT GUID: 0000-0010-8000-00aa00389b71.
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(out, at + 34)
  }
  at += 8 + fmtSize
  if (options.extraChunk) {
    out.write('LIST', at, 'ascii')
    out.writeUInt32LE(10, at + 4)
    out.write('INFOISFT', at + 8, 'ascii')
    at += 18
  }
  out.write('data', at, 'ascii')
  out.writeUInt32LE(dataSize, at + 4)
  at += 8
  for (let i = 0; i < frames; i++) {
    for (const channel of channels) {
      const v = channel[i] as number
      if (encoding === 'pcm8') out.writeUInt8(quantise(v, 8) + 128, at)
      else if (encoding === 'pcm16') out.writeInt16LE(quantise(v, 16), at)
      else if (encoding === 'pcm24') out.writeIntLE(quantise(v, 24), at, 3)
      else if (encoding === 'pcm32') out.writeInt32LE(quantise(v, 32), at)
      else if (encoding === 'float32') out.writeFloatLE(v, at)
      else out.writeDoubleLE(v, at)
      at += bytes
    }
  }
  return out
}

/** A sine tone, `seconds` long, at `amplitude`. */
export function tone(seconds: number, sampleRate: number, frequency = 440, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sampleRate) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate),
  )
}

/**
 * A mono 16-bit WAV written a block at a time, so that a recording of hours never sits in memory:
 * `write` appends samples (rounded and clipped as `encodeWav` does), `close` ends the file. The
 * header states `frames` up front, so exactly that many samples must be written.
 */
export function pcm16WavWriter(
  path: string,
  sampleRate: number,
  frames: number,
): { write(samples: ArrayLike<number>): void; close(): void } {
  const header = encodeWav([new Float32Array(0)], sampleRate, 'pcm16')
  header.writeUInt32LE(36 + frames * 2, 4)
  header.writeUInt32LE(frames * 2, 40)
  const fd = openSync(path, 'w')
  writeSync(fd, header)
  return {
    write(samples) {
      const block = Buffer.alloc(2 * samples.length)
      for (let i = 0; i < samples.length; i++) block.writeInt16LE(quantise(samples[i] as number, 16), 2 * i)
      writeSync(fd, block)
    },
    close: () => closeSync(fd),
  }
}
