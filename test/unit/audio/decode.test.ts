import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AudioFileError,
  contentHash,
  decodeAudio,
  decodeAudioBytes,
  loadAudio,
  probeAudio,
  resample,
  toMono,
} from '../../../src/main/core/audio'
import { hasFfmpeg, makeAudioFixtures } from '../../helpers/audio-fixtures'
import { tempDir } from '../../helpers/temp'
import { encodeWav, tone, type WavEncoding } from '../../helpers/wav-writer'

const RATE = 16000

function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(tempDir(), name)
  writeFileSync(path, bytes)
  return path
}

/** The value libsndfile returns for `v` written at `bits` bits: round, clip, scale back. */
function quantised(v: number, bits: number): number {
  const scale = 2 ** (bits - 1)
  return Math.max(-scale, Math.min(scale - 1, Math.round(v * scale))) / scale
}

describe('WAV decoding', () => {
  const signal = Float32Array.from(tone(0.25, RATE, 440, 0.9), (v, i) => (i === 7 ? 1 : i === 9 ? -1 : v))
  const cases: [WavEncoding, number][] = [
    ['pcm8', 8],
    ['pcm16', 16],
    ['pcm24', 24],
    ['pcm32', 32],
  ]

  it.each(cases)('reads %s scaled as soundfile scales it', async (encoding, bits) => {
    const decoded = await decodeAudio(writeTemp('x.wav', encodeWav([signal], RATE, encoding)))
    expect(decoded.sampleRate).toBe(RATE)
    expect(decoded.channels).toHaveLength(1)
    const samples = decoded.channels[0] as Float32Array
    expect(samples).toHaveLength(signal.length)
    for (let i = 0; i < signal.length; i++) {
      expect(samples[i]).toBeCloseTo(Math.fround(quantised(signal[i] as number, bits)), 7)
    }
    expect(decoded.info.codec).toBe(`PCM ${bits}-bit`)
  })

  it.each(['float32', 'float64'] as const)('reads %s exactly (as float32)', async (encoding) => {
    const decoded = await decodeAudio(writeTemp('x.wav', encodeWav([signal], RATE, encoding)))
    expect(Array.from(decoded.channels[0] as Float32Array)).toEqual(Array.from(signal))
  })

  it('reads WAVE_FORMAT_EXTENSIBLE with six channels, keeping each channel apart', async () => {
    const channels = Array.from({ length: 6 }, (_, c) => tone(0.1, RATE, 200 * (c + 1), 0.1 * (c + 1)))
    const path = writeTemp('x.wav', encodeWav(channels, RATE, 'pcm24', { extensible: true }))
    const decoded = await decodeAudio(path)
    expect(decoded.channels).toHaveLength(6)
    decoded.channels.forEach((channel, c) =>
      expect(channel[100]).toBeCloseTo(quantised(channels[c]?.[100] as number, 24), 6),
    )
    expect(await probeAudio(path)).toEqual(decoded.info)
  })

  it('converts across block boundaries (more than 1 MiB of interleaved 24-bit data)', async () => {
    const channels = [tone(8, RATE, 97, 0.7), tone(8, RATE, 1303, 0.3), tone(8, RATE, 5, 0.5)]
    const decoded = await decodeAudio(writeTemp('big.wav', encodeWav(channels, RATE, 'pcm24')))
    for (const i of [0, 116_508, 116_509, 116_510, channels[0]!.length - 1]) {
      decoded.channels.forEach((channel, c) => expect(channel[i]).toBeCloseTo(quantised(channels[c]![i]!, 24), 6))
    }
  })

  // Mono and stereo 24-bit are converted four samples per three 32-bit words; the rest of a block
  // (and a data chunk at an offset not a multiple of 4) byte by byte. Every sample must match.
  it.each([
    ['stereo, streamed from a file over 8 MB', 2, 16000 * 90 + 3, false],
    ['stereo, data at an odd offset', 2, 100_003, true],
    ['mono, streamed from a file over 8 MB', 1, 16000 * 180 + 1, false],
    ['mono, data at an odd offset', 1, 100_001, true],
  ] as const)('reads 24-bit %s bit-exactly', async (_, nChannels, frames, extraChunk) => {
    const channels = Array.from({ length: nChannels }, (_, c) =>
      Float32Array.from({ length: frames }, (_, i) => Math.sin(i * (0.001 + 0.0007 * c)) * (i % 7 === 0 ? 1 : 0.6)),
    )
    const decoded = await decodeAudio(writeTemp('x24.wav', encodeWav(channels, RATE, 'pcm24', { extraChunk })))
    decoded.channels.forEach((channel, c) => {
      const want = Float32Array.from(channels[c] as Float32Array, (v) => quantised(v, 24))
      expect(channel.length).toBe(frames)
      const wrong = channel.findIndex((v, i) => v !== want[i])
      expect(wrong, `channel ${c}, first wrong sample`).toBe(-1)
    })
  })

  it('skips unknown chunks and reads a truncated file with a warning', async () => {
    const whole = encodeWav([tone(1, RATE)], RATE, 'pcm16', { extraChunk: true })
    const path = writeTemp('cut.wav', whole.subarray(0, whole.length / 2 + 1))
    const decoded = await decodeAudio(path)
    expect(decoded.warnings.join()).toMatch(/truncated: the header promises 1\.00 s, the file holds 0\.50 s/)
    expect(decoded.channels[0]!.length).toBe(Math.floor((whole.length / 2 + 1 - 62) / 2))
  })

  it('decodes bytes in memory exactly as the same file on disk', async () => {
    const bytes = encodeWav([signal, signal.map((v) => -v)], 44100, 'pcm16')
    const fromBytes = await decodeAudioBytes(bytes)
    const fromFile = await decodeAudio(writeTemp('x.wav', bytes))
    expect(fromBytes.channels).toEqual(fromFile.channels)
    expect(fromBytes.info).toEqual(fromFile.info)
  })
})

describe('bad files', () => {
  it('each gets a one-line reason that names what is wrong', async () => {
    const fixtures = makeAudioFixtures(tempDir())
    for (const [path, reason] of Object.entries(fixtures.bad)) {
      const error = await decodeAudio(path).then(
        () => new Error(`${path} decoded`),
        (e: unknown) => e as Error,
      )
      expect(error, path).toBeInstanceOf(AudioFileError)
      expect(error.message, path).toMatch(reason)
      expect(error.message).not.toContain('\n')
    }
  })

  it('a folder and an unreadable file are refused with the file system reason', async () => {
    const dir = join(tempDir(), 'folder.wav')
    mkdirSync(dir)
    await expect(decodeAudio(dir)).rejects.toThrow(/folder/)
    await expect(decodeAudio(join(dir, 'missing.wav'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('survives any corruption of a WAV header: a clear AudioFileError or sane audio, never a crash', async () => {
    const valid = encodeWav([tone(0.05, RATE)], RATE, 'pcm16', { extraChunk: true })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(80), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(valid.length),
        async (edits, cut) => {
          const bytes = Buffer.from(valid.subarray(0, Math.max(cut, 1)))
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value
          try {
            const decoded = await decodeAudioBytes(bytes)
            expect(decoded.channels.length).toBeGreaterThan(0)
            expect(decoded.sampleRate).toBeGreaterThanOrEqual(1000)
            for (const channel of decoded.channels) expect(channel.length).toBe(decoded.info.frames)
          } catch (error) {
            expect(error).toBeInstanceOf(AudioFileError)
          }
        },
      ),
      { numRuns: 400, seed: 20261125 },
    )
  })
})

describe.skipIf(!hasFfmpeg)('compressed formats (fixtures made with ffmpeg)', () => {
  it('FLAC is lossless; MP3, Vorbis and Opus keep the tone', async () => {
    const fixtures = makeAudioFixtures(tempDir())
    const source = await decodeAudio(fixtures.source)
    const byName = (name: string): string => fixtures.good.low!.find((p) => p.endsWith(name))!
    const flac = await decodeAudio(byName('tone.flac'))
    expect(flac.info.codec).toBe('FLAC')
    expect(flac.channels[0]).toEqual(source.channels[0])

    for (const [name, codec, rate] of [
      ['tone.mp3', 'MP3', 44100],
      ['tone.ogg', 'Vorbis', 44100],
      ['tone.opus', 'Opus', 48000],
    ] as const) {
      const decoded = await decodeAudio(byName(name))
      expect(decoded.info).toMatchObject({ codec, sampleRate: rate, channels: 1 })
      const expected = rate === 44100 ? source.channels[0]! : await resample(source.channels[0]!, 44100, rate)
      // Lossy codecs delay and smear the signal a little; the tone's energy must survive.
      const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length)
      expect(Math.abs(decoded.channels[0]!.length - expected.length), name).toBeLessThan(2048)
      expect(rms(decoded.channels[0]!) / rms(expected), name).toBeGreaterThan(0.8)
      expect(rms(decoded.channels[0]!) / rms(expected), name).toBeLessThan(1.2)
    }
  })
})

describe('mixing, resampling, hashing', () => {
  it('toMono is the mean of the channels and returns mono input as is', () => {
    const a = Float32Array.of(1, 0.5, -1)
    expect(Array.from(toMono([a, Float32Array.of(0, 0.5, 1)]))).toEqual([0.5, 0.5, 0])
    expect(toMono([a])).toBe(a)
  })

  it('resamples to librosa length and keeps a tone at its frequency', async () => {
    const input = tone(1, 22050, 1000, 0.5)
    const output = await resample(input, 22050, 16000)
    expect(output.length).toBe(Math.ceil((input.length * 16000) / 22050))
    let crossings = 0
    for (let i = 1; i < output.length; i++) if (output[i - 1]! < 0 !== output[i]! < 0) crossings++
    expect(crossings).toBeGreaterThanOrEqual(1998)
    expect(crossings).toBeLessThanOrEqual(2002)
    const middle = output.subarray(2000, 14000)
    expect(Math.max(...middle)).toBeCloseTo(0.5, 2)
  })

  it('loadAudio mixes down and resamples in one call', async () => {
    const path = writeTemp('s.wav', encodeWav([tone(0.5, 44100), tone(0.5, 44100)], 44100, 'float32'))
    const loaded = await loadAudio(path, { sampleRate: RATE, mono: true })
    expect(loaded.sampleRate).toBe(RATE)
    expect(loaded.channels).toHaveLength(1)
    expect(loaded.channels[0]!.length).toBe(8000)
  })

  it('contentHash is the SHA-256 of the bytes', async () => {
    const bytes = encodeWav([tone(0.1, RATE)], RATE)
    const path = writeTemp('h.wav', bytes)
    expect(await contentHash(path)).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'))
  })
})
