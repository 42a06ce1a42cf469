// Hostile audio that costs time or memory rather than crashing (A2, A10 and A14 of the reliability
// targets): over-long files are refused from their headers before anything is decoded, truncated
// and cut-short files are named as such, and a file that is merely large is not taken for a hang.
import { execFileSync } from 'node:child_process'
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeAudio, decodeAudioBytes } from '../../src/main/core/audio'
import { inspectOnPool } from '../../src/main/core/import/inspect-pool'
import { workerScript, type TasksOf } from '../../src/main/core/workers/script'
import { WorkerPool } from '../../src/main/core/workers/pool'
import { hasFfmpeg } from '../helpers/audio-fixtures'
import { bundleChild } from '../helpers/child-bundle'
import { tempDir } from '../helpers/temp'
import { encodeWav } from '../helpers/wav-writer'

let CHILD: string

beforeAll(async () => {
  CHILD = await bundleChild('inspect-child')
}, 60_000)

interface ChildReport {
  outcomes: { path: string; reason?: string; duration?: number; warnings?: string[] }[]
  seconds: number
  peakRssMb: number
}

function inspectInChild(paths: string[]): ChildReport {
  const out = execFileSync(process.execPath, [CHILD, ...paths], { encoding: 'utf8', timeout: 120_000 })
  return JSON.parse(out.trim().split('\n').pop() as string) as ChildReport
}

function ffmpeg(args: string[], output: string): string {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, output], { stdio: 'pipe' })
  return output
}

describe.skipIf(!hasFfmpeg)('over-long files are refused from the header', () => {
  it('two hours of FLAC silence (1 MB) are refused in well under a second, without the memory to decode them', () => {
    const dir = tempDir()
    const a = ffmpeg(
      ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '7200', '-c:a', 'flac'],
      join(dir, 'a.flac'),
    )
    expect(readFileSync(a).length).toBeLessThan(2 * 1024 ** 2)
    // Two at once, as an import's two workers would meet them.
    const b = join(dir, 'b.flac')
    copyFileSync(a, b)
    const report = inspectInChild([a, b])
    expect(report.outcomes.map((o) => o.reason)).toEqual([
      'too long to decode: 2.0 h × 2 channels would need 2.6 GB; the limit is 2 GB',
      'too long to decode: 2.0 h × 2 channels would need 2.6 GB; the limit is 2 GB',
    ])
    expect(report.seconds).toBeLessThan(0.5)
    // A Node process with the decoders loaded; decoding either file would take gigabytes.
    expect(report.peakRssMb).toBeLessThan(250)
  }, 180_000)

  it('still decodes what is there when a header lies about a length too long to decode', async () => {
    const dir = tempDir()
    const flac = readFileSync(
      ffmpeg(
        ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-ar', '16000', '-c:a', 'flac'],
        join(dir, 't.flac'),
      ),
    )
    // STREAMINFO's 36-bit total samples set to 12 hours (2.8 GB decoded): the last frame says 0.5 s.
    const packed = (BigInt(flac.readUInt32BE(18)) << 32n) | BigInt(flac.readUInt32BE(22))
    const lied = (packed & ~(2n ** 36n - 1n)) | BigInt(12 * 3600 * 16000)
    flac.writeUInt32BE(Number(lied >> 32n), 18)
    flac.writeUInt32BE(Number(lied & 0xffffffffn), 22)
    const decoded = await decodeAudioBytes(flac)
    expect(decoded.channels[0]!.length).toBe(8000)
    expect(decoded.warnings).toEqual([])
  })
})

describe.skipIf(!hasFfmpeg)('truncated and cut-short files say so', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'earmark-truncated-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const sine = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-ar', '16000']
  const files = {
    flac: () => readFileSync(ffmpeg([...sine, '-c:a', 'flac'], join(dir, 't.flac'))),
    mp3: () => readFileSync(ffmpeg([...sine, '-c:a', 'libmp3lame', '-b:a', '32k'], join(dir, 't.mp3'))),
    ogg: () => readFileSync(ffmpeg([...sine.slice(0, 4), '-ar', '48000', '-c:a', 'libvorbis'], join(dir, 't.ogg'))),
  }
  const reason = (bytes: Uint8Array) =>
    decodeAudioBytes(bytes).then(
      () => 'decoded',
      (error: Error) => error.message,
    )

  it('a 30-byte FLAC and a 100-byte MP3 are a truncated header, not "no channels"', async () => {
    expect(await reason(files.flac().subarray(0, 30))).toBe('truncated header: only 30 bytes, a FLAC header needs 42')
    expect(await reason(files.mp3().subarray(0, 100))).toBe('truncated header: no whole MP3 frame in 100 bytes')
  })

  it('an Ogg cut inside its headers is a truncated header, not a DataView error', async () => {
    for (const length of [200, 3000]) {
      expect(await reason(files.ogg().subarray(0, length))).toBe(
        `truncated header: the Vorbis header is cut short (${length} bytes)`,
      )
    }
  })

  it('an MP3, FLAC or Ogg cut to half its length imports with a truncation warning', async () => {
    const mp3 = files.mp3()
    const half = await decodeAudioBytes(mp3.subarray(0, mp3.length >> 1))
    expect(half.warnings).toEqual([
      expect.stringMatching(/^truncated: the header promises 3\.\d\d s, the file holds 1\.\d\d s$/),
    ])
    const whole = await decodeAudioBytes(mp3)
    expect(whole.warnings).toEqual([])
    const flac = files.flac()
    const flacHalf = await decodeAudioBytes(flac.subarray(0, flac.length >> 1))
    expect(flacHalf.warnings).toContainEqual(
      expect.stringMatching(/^truncated: the header promises 3\.00 s, the file holds \d\.\d\d s$/),
    )
    const ogg = files.ogg()
    const oggCut = await decodeAudioBytes(ogg.subarray(0, Math.floor(ogg.length * 0.75)))
    expect(oggCut.warnings).toEqual([
      expect.stringMatching(/^truncated: the last Ogg page is cut short; the file holds \d\.\d\d s$/),
    ])
    expect((await decodeAudioBytes(ogg)).warnings).toEqual([])
  })
})

describe.skipIf(!hasFfmpeg)('FLAC longer than one read', () => {
  it('decodes every frame, bit-exactly, when frames straddle the 64 KiB reads', async () => {
    const dir = tempDir()
    const rate = 44100
    const wav = ffmpeg(
      ['-f', 'lavfi', '-i', `sine=frequency=440:r=${rate}`, '-ac', '2', '-t', '30'],
      join(dir, 's.wav'),
    )
    const flac = ffmpeg(['-i', wav, '-c:a', 'flac'], join(dir, 'source.flac'))
    expect(readFileSync(flac).length).toBeGreaterThan(4 * 65536)
    const fromWav = await decodeAudio(wav)
    for (const decoded of [await decodeAudio(flac), await decodeAudioBytes(readFileSync(flac))]) {
      expect(decoded.channels[0]!.length).toBe(30 * rate)
      expect(decoded.warnings).toEqual([])
      for (const c of [0, 1]) expect(decoded.channels[c]!.every((v, i) => v === fromWav.channels[c]![i])).toBe(true)
    }
  }, 60_000)
})

describe('a large file on a slow machine is not a hang', () => {
  let pool: WorkerPool<TasksOf<'audio-worker'>> | undefined
  afterAll(() => pool?.close())

  it('inspects a sparse 1 GiB WAV whose hashing outlasts the time limit, because it makes progress', async () => {
    const dir = tempDir()
    const path = join(dir, 'sparse.wav')
    // A valid 16-bit WAV whose data chunk is a hole: 1 GiB that hashes in seconds, costs no disk.
    const header = encodeWav([new Float32Array(0)], 48000, 'pcm16')
    const size = 1024 ** 3
    header.writeUInt32LE(size - 8, 4)
    header.writeUInt32LE(size - header.length, header.length - 4)
    const fd = openSync(path, 'w')
    writeSync(fd, header)
    writeSync(fd, Buffer.alloc(2), 0, 2, size - 2)
    closeSync(fd)
    // A limit far under the hashing time: only the worker's progress reports keep the task alive.
    pool = new WorkerPool(workerScript('audio-worker'), { size: 1, taskTimeoutMs: 800 })
    const started = Date.now()
    const inspection = await inspectOnPool(pool, path)
    expect(Date.now() - started).toBeGreaterThan(800)
    expect(inspection.duration).toBeCloseTo((size - header.length) / 2 / 48000, 3)
    expect(inspection.size).toBe(size)
  }, 120_000)
})
