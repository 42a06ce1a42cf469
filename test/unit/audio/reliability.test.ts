// Reliability targets A1-A14 (docs/reliability.md): malformed, hostile and
// lying audio files. Every refusal is an AudioFileError naming the field; nothing hangs.
import { execFileSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AudioFileError, decodeAudio, decodeAudioBytes, probeAudio } from '../../../src/main/core/audio'
import { openCatalog } from '../../../src/main/core/catalog/open'
import { inspectOnPool } from '../../../src/main/core/import/inspect-pool'
import { planImport } from '../../../src/main/core/import/plan'
import { runImport } from '../../../src/main/core/import/run-import'
import type { JobContext } from '../../../src/main/core/jobs/runner'
import { WorkerPool } from '../../../src/main/core/workers/pool'
import type { TasksOf } from '../../../src/main/core/workers/script'
import { ROOT } from '../../helpers/cli'
import { hasFfmpeg } from '../../helpers/audio-fixtures'
import { tempDir } from '../../helpers/temp'
import { encodeWav, tone } from '../../helpers/wav-writer'

const RATE = 8000
const NO_FFMPEG = 'skipped: ffmpeg is not on PATH (.ci/run installs it); the compressed seeds need it'
/** Fuzz iterations per seed file here; EARMARK_FUZZ_RUNS raises it for a long run. */
const FUZZ_RUNS = Number(process.env['EARMARK_FUZZ_RUNS'] ?? 60)

interface WavSpec {
  tag?: number
  channels?: number
  rate?: number
  blockAlign?: number
  bits?: number
  /** Extra fmt bytes after the 16 standard ones (cbSize and what follows). */
  fmtExtra?: Buffer
  /** Overrides the fmt chunk's declared size. */
  fmtSize?: number
  /** The data chunk's declared size (default: the real one). */
  dataSize?: number
  riffSize?: number
  data?: Buffer
  /** Chunks written between fmt and data. */
  before?: Buffer[]
  /** Write data before fmt. */
  dataFirst?: boolean
}

function chunk(id: string, body: Buffer, declared = body.length, pad = true): Buffer {
  const head = Buffer.alloc(8)
  head.write(id, 0, 'ascii')
  head.writeUInt32LE(declared >>> 0, 4)
  return Buffer.concat([head, body, pad && body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)])
}

/** Writes a WAV byte by byte with any header field set to anything. */
function wav(spec: WavSpec = {}): Buffer {
  const channels = spec.channels ?? 1
  const bits = spec.bits ?? 16
  const rate = spec.rate ?? RATE
  const fmt = Buffer.alloc(16)
  fmt.writeUInt16LE(spec.tag ?? 1, 0)
  fmt.writeUInt16LE(channels, 2)
  fmt.writeUInt32LE(rate >>> 0, 4)
  fmt.writeUInt32LE(((rate * channels * bits) / 8) >>> 0, 8)
  fmt.writeUInt16LE(spec.blockAlign ?? (channels * bits) / 8, 12)
  fmt.writeUInt16LE(bits, 14)
  const fmtBody = Buffer.concat([fmt, spec.fmtExtra ?? Buffer.alloc(0)])
  const data = spec.data ?? pcm16(tone(0.1, RATE))
  const fmtChunk = chunk('fmt ', fmtBody, spec.fmtSize ?? fmtBody.length)
  const dataChunk = chunk('data', data, spec.dataSize ?? data.length)
  const body = spec.dataFirst ? [dataChunk, fmtChunk] : [fmtChunk, ...(spec.before ?? []), dataChunk]
  const form = Buffer.concat([Buffer.from('WAVE'), ...body])
  return chunk('RIFF', form, spec.riffSize ?? form.length)
}

function pcm16(samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * 2)
  samples.forEach((v, i) => out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32768))), i * 2))
  return out
}

/** The reason a decode was refused, or 'ok'; throws for anything but an AudioFileError. */
async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    const decoded = await decodeAudioBytes(bytes)
    for (const channel of decoded.channels) for (const v of channel) if (!Number.isFinite(v)) return 'non-finite sample'
    return 'ok'
  } catch (error) {
    if (error instanceof AudioFileError) return error.reason
    throw error
  }
}

/**
 * CPU milliseconds this process spent since `start` (from process.cpuUsage()). The 2 s budget is
 * measured in CPU time, not wall time: on CI's two cores shared with other jobs the wall clock
 * says more about the neighbours than about the decoder.
 */
const cpuMs = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

/** Decodes within 2 s of CPU, or fails the test. */
async function timed<T>(work: () => Promise<T>, ms = 2000): Promise<T> {
  const start = process.cpuUsage()
  const value = await work()
  expect(cpuMs(start), 'decode CPU time (ms)').toBeLessThan(ms)
  return value
}

const ffmpegDir = hasFfmpeg ? mkdtempSync(join(tmpdir(), 'earmark-audio-rel-')) : ''
afterAll(() => {
  if (ffmpegDir) rmSync(ffmpegDir, { recursive: true, force: true })
})

beforeAll(async () => {
  // Load each codec's WebAssembly once, so the 2 s budget below measures decoding, not start-up.
  if (!hasFfmpeg) return
  for (const [name, args] of [
    ['tone.flac', ['-c:a', 'flac']],
    ['tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '64k']],
    ['tone.ogg', ['-c:a', 'libvorbis']],
    ['tone.opus', ['-c:a', 'libopus']],
  ] as const) {
    await decodeAudioBytes(encoded(name, [...args]))
  }
}, 60_000)

/** Encodes a 0.5 s tone with ffmpeg and returns the file's bytes. */
function encoded(name: string, args: string[]): Buffer {
  const path = join(ffmpegDir, name)
  if (!existsSync(path)) {
    execFileSync(
      'ffmpeg',
      ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-ar', '16000', ...args, path],
      { stdio: 'pipe' },
    )
  }
  return readFileSync(path)
}

describe('A1 truncated data chunk', () => {
  it('decodes the real length with a warning and never reads past the end', async () => {
    const data = pcm16(tone(1, RATE))
    const cut = wav({ data: data.subarray(0, 0.2 * RATE * 2), dataSize: data.length })
    const decoded = await timed(() => decodeAudioBytes(cut))
    expect(decoded.channels[0]).toHaveLength(0.2 * RATE)
    expect(decoded.warnings.join()).toMatch(/truncated: the header promises 1\.00 s, the file holds 0\.20 s/)
  })

  it('refuses a header with no samples at all', async () => {
    expect(await outcome(wav({ data: Buffer.alloc(0), dataSize: 16000 }))).toMatch(/no audio/)
  })
})

describe('A2 absurd sizes', () => {
  it.each([0x7ffffff0, 0xfffffff0])('clamps a data size of %i to the file', async (size) => {
    const decoded = await timed(() => decodeAudioBytes(wav({ dataSize: size, riffSize: size })))
    expect(decoded.channels[0]).toHaveLength(0.1 * RATE)
  })

  it('clamps an RF64 file whose 64-bit data size is bogus', async () => {
    const data = pcm16(tone(0.1, RATE))
    const ds64 = Buffer.alloc(28)
    ds64.writeBigUInt64LE(2n ** 62n, 0)
    ds64.writeBigUInt64LE(2n ** 62n, 8)
    const riff = wav({ data, dataSize: 0xffffffff, before: [] })
    const fmtAt = riff.indexOf('fmt ')
    const rf64 = Buffer.concat([
      Buffer.from('RF64'),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.from('WAVE'),
      chunk('ds64', ds64),
      riff.subarray(fmtAt),
    ])
    const decoded = await timed(() => decodeAudioBytes(rf64))
    expect(decoded.channels[0]).toHaveLength(0.1 * RATE)
  })

  it('refuses, before allocating, a real file whose samples would pass the 2 GB cap', async () => {
    // A sparse 3 GiB file: a valid header and 3 GiB of (unwritten) 16-bit samples = 6 GiB of floats.
    const path = join(tempDir(), 'huge.wav')
    const size = 3 * 1024 ** 3
    const header = wav({ data: Buffer.alloc(0), dataSize: 0xffffffff, riffSize: 0xffffffff })
    const fd = openSync(path, 'w')
    writeSync(fd, header, 0, header.length, 0)
    writeSync(fd, Buffer.alloc(2), 0, 2, size - 2)
    closeSync(fd)
    const before = process.memoryUsage().arrayBuffers
    const error = await timed(() => decodeAudio(path).catch((e: unknown) => e))
    expect(error).toBeInstanceOf(AudioFileError)
    expect((error as AudioFileError).reason).toMatch(/too long to decode: .* the limit is 2 GB/)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 ** 2)
    // The header alone is still readable, for an import that judges big WAVs by their header.
    expect((await probeAudio(path)).duration).toBeGreaterThan(3600)
  })
})

describe('A3 impossible formats', () => {
  it.each([
    ['channels 0', { channels: 0 }, /zero audio channels/],
    ['channels 65535', { channels: 65535, blockAlign: 0 }, /implausible channel count 65535/],
    ['rate 0', { rate: 0 }, /implausible sample rate 0 Hz/],
    ['rate 1', { rate: 1 }, /implausible sample rate 1 Hz/],
    ['rate 4294967295', { rate: 4294967295 }, /implausible sample rate 4294967295 Hz/],
    ['blockAlign 0', { blockAlign: 0 }, /block align 0, expected 2/],
    ['blockAlign 3 for mono 16-bit', { blockAlign: 3 }, /block align 3, expected 2/],
    ['blockAlign 2 for stereo 16-bit', { channels: 2, blockAlign: 2 }, /block align 2, expected 4/],
  ] as const)('refuses %s, naming the field', async (_name, spec, reason) => {
    expect(await timed(() => outcome(wav(spec)))).toMatch(reason)
  })
})

describe('A4 sample formats', () => {
  it.each([0, 1, 7, 12, 20, 48, 64])('refuses integer PCM of %i bits', async (bits) => {
    expect(await outcome(wav({ bits, blockAlign: Math.ceil(bits / 8) }))).toMatch(
      new RegExp(`unsupported codec: PCM ${bits}-bit`),
    )
  })

  it('refuses a float tag with 16 bits', async () => {
    expect(await outcome(wav({ tag: 3, bits: 16 }))).toMatch(/unsupported codec: float 16-bit/)
  })

  const extensible = (sub: number, bits: number, validBits: number, guidTail = '000000001000800000aa00389b71') => {
    const extra = Buffer.alloc(24)
    extra.writeUInt16LE(22, 0)
    extra.writeUInt16LE(validBits, 2)
    extra.writeUInt32LE(1, 4)
    extra.writeUInt16LE(sub, 8)
    Buffer.from(guidTail, 'hex').copy(extra, 10)
    return extra
  }

  it('decodes EXTENSIBLE float32 and PCM24 (20 valid bits) bit-exactly', async () => {
    const signal = tone(0.05, RATE, 300, 0.7)
    const f32 = Buffer.alloc(signal.length * 4)
    signal.forEach((v, i) => f32.writeFloatLE(v, i * 4))
    const float = await decodeAudioBytes(wav({ tag: 0xfffe, bits: 32, data: f32, fmtExtra: extensible(3, 32, 32) }))
    expect(Array.from(float.channels[0]!)).toEqual(Array.from(signal))
    const i24 = Buffer.alloc(signal.length * 3)
    signal.forEach((v, i) => i24.writeIntLE(Math.round(v * 2 ** 19) * 16, i * 3, 3))
    const pcm = await decodeAudioBytes(wav({ tag: 0xfffe, bits: 24, data: i24, fmtExtra: extensible(1, 24, 20) }))
    pcm.channels[0]!.forEach((v, i) =>
      expect(Math.abs(v - Math.fround((Math.round(signal[i]! * 2 ** 19) * 16) / 2 ** 23))).toBe(0),
    )
  })

  it('refuses EXTENSIBLE with an unknown GUID, cbSize 0, or valid bits above the container', async () => {
    expect(
      await outcome(wav({ tag: 0xfffe, fmtExtra: extensible(1, 16, 16, 'ffffffffffffffffffffffffffff') })),
    ).toMatch(/unknown sub-format GUID/)
    expect(await outcome(wav({ tag: 0xfffe, fmtExtra: Buffer.from([0, 0]) }))).toMatch(/cbSize 0/)
    expect(await outcome(wav({ tag: 0xfffe, fmtExtra: extensible(1, 16, 24) }))).toMatch(
      /valid bits per sample 24 exceed the 16-bit container/,
    )
  })
})

describe('A5 chunk layout', () => {
  it('refuses an fmt chunk of size 0 and a missing fmt chunk', async () => {
    expect(await outcome(wav({ fmtSize: 0 }))).not.toBe('ok')
    const noFmt = chunk('RIFF', Buffer.concat([Buffer.from('WAVE'), chunk('data', pcm16(tone(0.1, RATE)))]))
    expect(await outcome(noFmt)).toMatch(/no fmt chunk/)
  })

  it('reads data before fmt, and a second fmt chunk, the same way every time', async () => {
    expect(await outcome(wav({ dataFirst: true }))).toBe('ok')
    const second = chunk('fmt ', Buffer.from(wav({ rate: 16000 }).subarray(20, 36)))
    const twice = wav({ before: [second] })
    const first = await outcome(twice)
    expect(await outcome(twice)).toBe(first)
  })

  it('handles an odd-sized chunk written without its pad byte: decoded or refused, never thrown', async () => {
    const odd = chunk('LIST', Buffer.from('abc'), 3, false)
    const result = await outcome(wav({ before: [odd] }))
    expect(typeof result).toBe('string')
  })
})

describe('A6 extra chunks before data', () => {
  it('accepts LIST, a 4 KB JUNK, bext and id3 chunks', async () => {
    const plain = await decodeAudioBytes(wav())
    const padded = await decodeAudioBytes(
      wav({
        before: [
          chunk('LIST', Buffer.from('INFOISFT\u0005\u0000\u0000\u0000test\u0000\u0000')),
          chunk('JUNK', Buffer.alloc(4096)),
          chunk('bext', Buffer.alloc(602, 0x20)),
          chunk('id3 ', Buffer.concat([Buffer.from('ID3\u0003\u0000\u0000\u0000\u0000\u0000\u0000')])),
        ],
      }),
    )
    expect(Array.from(padded.channels[0]!)).toEqual(Array.from(plain.channels[0]!))
  })
})

describe('A7 other codecs in WAV', () => {
  it.each([
    [0x0002, 'Microsoft ADPCM'],
    [0x0006, 'A-law'],
    [0x0007, 'mu-law'],
    [0x0011, 'IMA ADPCM'],
    [0x0031, 'GSM 6.10'],
  ])('refuses format tag %i as "unsupported codec: %s"', async (tag, name) => {
    expect(await outcome(wav({ tag, bits: 4, blockAlign: 256 }))).toBe(`unsupported codec: ${name} WAV`)
  })

  it('refuses IMA ADPCM whose samples-per-block is 0', async () => {
    const extra = Buffer.alloc(4)
    extra.writeUInt16LE(2, 0) // cbSize
    extra.writeUInt16LE(0, 2) // samples per block
    expect(await outcome(wav({ tag: 0x11, bits: 4, blockAlign: 256, fmtExtra: extra }))).toMatch(
      /unsupported codec: IMA ADPCM/,
    )
  })
})

describe('A8 non-finite float samples', () => {
  it('replaces NaN and infinities with silence, clips 1e30, keeps denormals, and says so', async () => {
    const values = [0.5, NaN, Infinity, -Infinity, 1e-40, 1e30, -1e30, -0.25]
    const data = Buffer.alloc(values.length * 4)
    values.forEach((v, i) => data.writeFloatLE(v, i * 4))
    const decoded = await decodeAudioBytes(wav({ tag: 3, bits: 32, data }))
    const samples = Array.from(decoded.channels[0]!)
    expect(samples.every(Number.isFinite)).toBe(true)
    expect(samples).toEqual([0.5, 0, 0, 0, Math.fround(1e-40), 1, -1, -0.25])
    expect(decoded.warnings).toContain('3 non-finite samples (NaN or infinity) replaced by silence')
    expect(decoded.warnings).toContain('2 samples beyond ±1000 clipped to ±1')
    const f64 = Buffer.alloc(16)
    f64.writeDoubleLE(NaN, 0)
    f64.writeDoubleLE(1e300, 8)
    // 1e300 overflows float32 on conversion, so it too arrives as an infinity and becomes silence.
    const wide = await decodeAudioBytes(wav({ tag: 3, bits: 64, data: f64 }))
    expect(Array.from(wide.channels[0]!)).toEqual([0, 0])
    expect(wide.warnings).toContain('2 non-finite samples (NaN or infinity) replaced by silence')
  })
})

describe.skipIf(!hasFfmpeg)('A9 FLAC headers', () => {
  const flac = () => encoded('tone.flac', ['-c:a', 'flac'])
  /** STREAMINFO starts at byte 8: min/max block size, min/max frame size, then rate|channels|bits|total. */
  const withTotal = (total: bigint) => {
    const bytes = Buffer.from(flac())
    const packed = BigInt(bytes.readUInt32BE(18)) * 2n ** 32n + BigInt(bytes.readUInt32BE(22))
    const next = (packed & ~(2n ** 36n - 1n)) | total
    bytes.writeUInt32BE(Number(next >> 32n), 18)
    bytes.writeUInt32BE(Number(next & 0xffffffffn), 22)
    return bytes
  }

  it('streams a file whose total samples is 0 (unknown)', async () => {
    const decoded = await timed(() => decodeAudioBytes(withTotal(0n)))
    expect(decoded.channels[0]!.length).toBe(8000)
  })

  it('bounds a claim of 2^36 samples by the frames really there', async () => {
    const decoded = await timed(() => decodeAudioBytes(withTotal(2n ** 36n - 1n)))
    expect(decoded.channels[0]!.length).toBe(8000)
  })

  it('decodes or refuses odd bit depths, block sizes, a bad frame CRC and an ID3v2 prefix, in time', async () => {
    const variants: Buffer[] = []
    for (const bitsField of [3, 31]) {
      const b = Buffer.from(flac())
      b[20] = (b[20]! & ~0x01) | (bitsField >> 4)
      b[21] = (b[21]! & 0x0f) | ((bitsField & 0x0f) << 4)
      variants.push(b)
    }
    for (const block of [0, 65535]) {
      const b = Buffer.from(flac())
      b.writeUInt16BE(block, 8)
      b.writeUInt16BE(block, 10)
      variants.push(b)
    }
    const crc = Buffer.from(flac())
    const flip = Math.floor(crc.length * 0.6)
    crc[flip] = crc[flip]! ^ 0xff
    variants.push(crc)
    const id3 = Buffer.concat([Buffer.from('ID3\u0003\u0000\u0000\u0000\u0000\u0000\u0010'), Buffer.alloc(16), flac()])
    variants.push(id3)
    for (const variant of variants) expect(typeof (await timed(() => outcome(variant)))).toBe('string')
  })
})

describe.skipIf(!hasFfmpeg)('A10 MP3 headers', () => {
  const mp3 = () => encoded('tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '64k'])
  const syncsafe = (n: number) => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f])

  it('handles a 256 MB ID3v2 size on a tiny file in time', async () => {
    const lie = Buffer.concat([Buffer.from('ID3\u0004\u0000\u0000'), syncsafe(256 * 1024 * 1024 - 1), mp3()])
    expect(typeof (await timed(() => outcome(lie)))).toBe('string')
  })

  it('handles an APEv2 footer whose size overflows', async () => {
    const footer = Buffer.alloc(32)
    footer.write('APETAGEX', 0)
    footer.writeUInt32LE(2000, 8)
    footer.writeUInt32LE(0xffffffff, 12) // tag size
    footer.writeUInt32LE(0xffffffff, 16) // item count
    expect(typeof (await timed(() => outcome(Buffer.concat([mp3(), footer]))))).toBe('string')
  })

  it('decodes only the frames there when a Xing header claims 2^31 frames', async () => {
    const bytes = Buffer.from(mp3())
    const at = Math.max(bytes.indexOf('Xing'), bytes.indexOf('Info'))
    expect(at).toBeGreaterThan(0)
    bytes.writeUInt32BE(0x7fffffff, at + 8)
    const before = process.memoryUsage().arrayBuffers
    const decoded = await timed(() => decodeAudioBytes(bytes))
    expect(decoded.channels[0]!.length).toBeLessThan(16000 * 1.2)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 ** 2)
  })

  it('gets through free-format headers and 10 000 junk frames before the real ones', async () => {
    const free = Buffer.from(mp3())
    const first = free.indexOf(Buffer.from([0xff, 0xfb]))
    if (first >= 0) free[first + 2] = free[first + 2]! & 0x0f // bit-rate index 0: free format
    expect(typeof (await timed(() => outcome(free)))).toBe('string')
    const junkFrame = Buffer.alloc(208, 0x55)
    junkFrame.set([0xff, 0xfb, 0x90, 0x64], 0)
    const junk = Buffer.concat([...Array.from({ length: 10_000 }, () => junkFrame), mp3()])
    expect(typeof (await timed(() => outcome(junk)))).toBe('string')
  })
})

describe.skipIf(!hasFfmpeg)('A11 Ogg streams', () => {
  const vorbis = () => encoded('tone.ogg', ['-c:a', 'libvorbis'])
  const opus = () => encoded('tone.opus', ['-c:a', 'libopus'])

  it('decodes Opus in .ogg and chained streams', async () => {
    const decoded = await timed(() => decodeAudioBytes(opus()))
    expect(decoded.sampleRate).toBe(48000)
    expect(await timed(() => outcome(Buffer.concat([vorbis(), vorbis()])))).toBe('ok')
  })

  it('decodes or refuses a huge comment count and page CRC errors, in time', async () => {
    const bytes = Buffer.from(vorbis())
    const comments = bytes.indexOf('\u0003vorbis')
    const vendorLength = bytes.readUInt32LE(comments + 7)
    bytes.writeUInt32LE(0xffffffff, comments + 11 + vendorLength) // comment count
    expect(typeof (await timed(() => outcome(bytes)))).toBe('string')
    const crc = Buffer.from(vorbis())
    crc[crc.length - 100] = crc[crc.length - 100]! ^ 0xff
    expect(typeof (await timed(() => outcome(crc)))).toBe('string')
  })
})

describe('A11/A14 a decoder that dies', () => {
  const built = join(ROOT, 'out', 'main', 'workers', 'audio-worker.js')
  let pool: WorkerPool<TasksOf<'audio-worker'>> | undefined
  afterAll(() => pool?.close())

  it.skipIf(!existsSync(built) || !hasFfmpeg)(
    'kills only its worker: the file is reported "decoder crashed" and the rest imports',
    async () => {
      const root = tempDir()
      const folder = join(root, 'owl')
      mkdirSync(folder)
      writeFileSync(join(folder, 'a.wav'), encodeWav([tone(0.1, RATE)], RATE))
      writeFileSync(join(folder, 'b.wav'), encodeWav([tone(0.1, RATE, 220)], RATE))
      // An ID3 tag of 60 000 tiny frames: the tag parser's objects exceed the worker's heap, a real
      // out-of-memory death of the real audio worker, as a decoder bomb would cause.
      const frames: Buffer[] = []
      for (let i = 0; i < 60_000; i++) {
        const text = Buffer.from(`\u0003k${i}\u0000v${i}`, 'latin1')
        const head = Buffer.alloc(10)
        head.write('TXXX', 0)
        head.writeUInt32BE(text.length, 4)
        frames.push(head, text)
      }
      const tag = Buffer.concat(frames)
      const audio = encoded('tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '64k'])
      writeFileSync(
        join(folder, 'bomb.mp3'),
        Buffer.concat([Buffer.from('ID3\u0003\u0000\u0000'), syncsafe(tag.length), tag, audio]),
      )
      pool = new WorkerPool<TasksOf<'audio-worker'>>({ path: built }, { size: 1, maxHeapMb: 20, taskTimeoutMs: 60_000 })
      const catalog = openCatalog(join(root, 'p.earmark'), { create: true })
      try {
        const plan = await planImport(folder, { kind: 'none' })
        const context: JobContext = {
          jobId: 1,
          signal: new AbortController().signal,
          progress: () => undefined,
          log: () => undefined,
          metrics: () => undefined,
          engine: () => undefined,
        }
        const summary = await runImport(
          catalog,
          plan,
          { inspect: (path) => inspectOnPool(pool!, path), author: 't', concurrency: 1 },
          context,
        )
        expect(summary.added).toBe(2)
        expect(summary.failed).toEqual([
          { path: join(folder, 'bomb.mp3'), reason: expect.stringMatching(/^decoder crashed: .*memory/) },
        ])
      } finally {
        catalog.close()
      }
    },
    90_000,
  )

  function syncsafe(n: number): Buffer {
    return Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f])
  }
})

describe('A12 names that lie', () => {
  it.skipIf(!hasFfmpeg)('decodes MP3 bytes in a .wav by content and says so', async () => {
    const path = join(tempDir(), 'liar.wav')
    writeFileSync(path, encoded('tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '64k']))
    const decoded = await decodeAudio(path)
    expect(decoded.info.container).toBe('mp3')
    expect(decoded.warnings).toContain('content is MP3, name says .wav: decoded by content')
  })

  it('decodes WAV bytes in a .flac by content and says so', async () => {
    const path = join(tempDir(), 'liar.flac')
    writeFileSync(path, wav())
    const decoded = await decodeAudio(path)
    expect(decoded.info.container).toBe('wav')
    expect(decoded.warnings).toContain('content is PCM 16-bit, name says .flac: decoded by content')
  })
})

describe('A13 fuzzed headers, seeded with real files', () => {
  const seeds: [string, () => Buffer][] = [
    ['pcm16.wav', () => wav()],
    ['float32-extensible.wav', () => encodeWav([tone(0.05, RATE)], RATE, 'float32', { extensible: true })],
    ['pcm24-stereo.wav', () => encodeWav([tone(0.05, RATE), tone(0.05, RATE, 99)], RATE, 'pcm24')],
  ]
  if (hasFfmpeg) {
    seeds.push(
      ['tone.flac', () => encoded('tone.flac', ['-c:a', 'flac'])],
      ['tone.mp3', () => encoded('tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '64k'])],
      ['tone.ogg', () => encoded('tone.ogg', ['-c:a', 'libvorbis'])],
      ['tone.opus', () => encoded('tone.opus', ['-c:a', 'libopus'])],
    )
  }

  /** A mutation of a seed: bytes overwritten in its header, a cut, or an insertion. */
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('overwrite' as const),
      edits: fc.array(fc.tuple(fc.nat(511), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
    }),
    fc.record({
      kind: fc.constant('extreme' as const),
      at: fc.nat(127),
      value: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(4096) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(512),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
  )

  type MutationValue = typeof mutation extends fc.Arbitrary<infer T> ? T : never

  function mutate(seed: Buffer, m: MutationValue): Buffer {
    const bytes = Buffer.from(seed)
    switch (m.kind) {
      case 'overwrite':
        for (const [at, value] of m.edits) if (at < bytes.length) bytes[at] = value
        return bytes
      case 'extreme':
        if (m.at + 4 <= bytes.length) bytes.writeUInt32LE(m.value, m.at)
        return bytes
      case 'cut':
        return bytes.subarray(0, Math.min(bytes.length, m.at))
      case 'insert':
        return Buffer.concat([bytes.subarray(0, m.at), Buffer.from(m.bytes), bytes.subarray(m.at)])
    }
  }
  const seen = { runs: 0, refused: 0 }
  afterAll(() => {
    // Counted for docs/reliability.md's table.
    console.info(`A13: ${seen.runs} fuzzed files, ${seen.refused} refused with a reason, 0 other errors`)
  })

  it.each(seeds)(
    'mutations of %s decode or are refused with an AudioFileError, each within 2 s',
    async (_name, seed) => {
      const bytes = seed()
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          const input = mutate(bytes, m)
          const start = process.cpuUsage()
          const result = await outcome(input)
          const ms = cpuMs(start)
          seen.runs++
          if (result !== 'ok') seen.refused++
          expect(result).not.toBe('non-finite sample')
          expect(result).not.toMatch(/\n/) // one line
          expect(ms).toBeLessThan(2000)
        }),
        { numRuns: FUZZ_RUNS, seed: 20261125 },
      )
    },
    120_000,
  )
})

describe('A14 files that change under the import', () => {
  it('reports a file deleted or cut after planning, and a symlink loop, and imports the rest', async () => {
    const root = tempDir()
    const folder = join(root, 'owl')
    mkdirSync(folder)
    for (let i = 0; i < 6; i++) writeFileSync(join(folder, `${i}.wav`), encodeWav([tone(0.05, RATE, 200 + i)], RATE))
    symlinkSync(root, join(folder, 'loop'))
    const plan = await planImport(root, { kind: 'folder' })
    expect(plan.problems.map((p) => p.reason).join()).toMatch(/symlink loop/)
    unlinkSync(join(folder, '1.wav'))
    writeFileSync(join(folder, '2.wav'), Buffer.from('RIFF'))
    const catalog = openCatalog(join(root, 'p.earmark'), { create: true })
    const { inspectFile } = await import('../../../src/main/core/import/inspect')
    try {
      const summary = await runImport(
        catalog,
        plan,
        { inspect: inspectFile, author: 't', concurrency: 2 },
        {
          jobId: 1,
          signal: new AbortController().signal,
          progress: () => undefined,
          log: () => undefined,
          metrics: () => undefined,
          engine: () => undefined,
        },
      )
      expect(summary.added).toBe(4)
      expect(summary.failed.map((f) => [f.path, f.reason])).toEqual([
        [join(folder, '1.wav'), expect.stringMatching(/not found|no such file|gone/i)],
        [join(folder, '2.wav'), expect.stringMatching(/truncated header/)],
      ])
    } finally {
      catalog.close()
    }
  })
})

beforeAll(() => {
  if (!hasFfmpeg) console.info(NO_FFMPEG)
})
