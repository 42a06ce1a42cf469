import { execFileSync } from 'node:child_process'
import { truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAudio } from '../../../src/main/core/audio'
import { streamMono } from '../../../src/main/core/audio/stream'
import { hasFfmpeg, makeAudioFixtures } from '../../helpers/audio-fixtures'
import { tempDir } from '../../helpers/temp'
import { encodeWav } from '../../helpers/wav-writer'

/** Every chunk a stream hands over, joined, with the sizes of the chunks. */
async function streamed(path: string, sampleRate?: number): Promise<{ samples: Float32Array; chunks: number[] }> {
  const parts: Float32Array[] = []
  const result = await streamMono(path, sampleRate ? { sampleRate } : {}, (chunk) => void parts.push(chunk))
  const samples = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((at, p) => (samples.set(p, at), at + p.length), 0)
  expect(result.frames).toBe(samples.length)
  return { samples, chunks: parts.map((p) => p.length) }
}

/**
 * The largest difference but at the last sample, which resampling the whole signal in one call
 * sometimes leaves at zero where the stream has the filter's value.
 */
function worstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length - 1; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)))
  return worst
}

/** A chirp long enough for many chunks, in two channels that differ. */
function chirp(seconds: number, rate: number): Float32Array[] {
  const n = Math.round(seconds * rate)
  const left = new Float32Array(n)
  const right = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const t = i / rate
    left[i] = 0.4 * Math.sin(2 * Math.PI * (200 + 150 * t) * t)
    right[i] = 0.3 * Math.sin(2 * Math.PI * 97 * t) + 0.1 * Math.sin(2 * Math.PI * 3100 * t)
  }
  return [left, right]
}

describe('streamMono', () => {
  it('joins into the samples decoding the whole file gives, for every encoding it reads', async () => {
    const fixtures = makeAudioFixtures(tempDir())
    const files = Object.values(fixtures.good).flat()
    expect(files.length).toBeGreaterThanOrEqual(hasFfmpeg ? 13 : 9)
    for (const path of files) {
      const whole = await loadAudio(path, { mono: true })
      expect(worstDifference((await streamed(path)).samples, whole.channels[0] as Float32Array), path).toBeLessThan(
        1e-6,
      )
      const at8k = await loadAudio(path, { mono: true, sampleRate: 8000 })
      expect(
        worstDifference((await streamed(path, 8000)).samples, at8k.channels[0] as Float32Array),
        path,
      ).toBeLessThan(1e-5)
    }
  })

  it('resamples a long recording chunk by chunk without seams', async () => {
    const dir = tempDir()
    const wav = join(dir, 'long.wav')
    writeFileSync(wav, encodeWav(chirp(20, 44100), 44100, 'pcm24'))
    const paths = [wav]
    if (hasFfmpeg) {
      const flac = join(dir, 'long.flac')
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'flac', flac])
      paths.push(flac)
    }
    for (const path of paths) {
      const { samples, chunks } = await streamed(path, 16000)
      expect(chunks.length, path).toBeGreaterThan(5)
      const whole = await loadAudio(path, { mono: true, sampleRate: 16000 })
      expect(worstDifference(samples, whole.channels[0] as Float32Array), path).toBeLessThan(1e-5)
    }
  })

  it('streams a long WAV in constant memory: chunks dropped, never the whole file held', async () => {
    // 30 minutes of 48 kHz stereo 24-bit silence (518 MB), made by extending a header-only WAV:
    // held whole it would be 346 MB of mono samples.
    const path = join(tempDir(), 'half-hour.wav')
    const frames = 48000 * 60 * 30
    const header = encodeWav([new Float32Array(0), new Float32Array(0)], 48000, 'pcm24')
    header.writeUInt32LE(frames * 6, header.length - 4)
    header.writeUInt32LE(header.length - 8 + frames * 6, 4)
    writeFileSync(path, header)
    truncateSync(path, header.length + frames * 6)
    const before = process.memoryUsage().arrayBuffers
    let peak = 0
    let seen = 0
    const result = await streamMono(path, {}, (chunk) => {
      seen += chunk.length
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)
    })
    expect(seen).toBe(frames)
    expect(result.frames).toBe(frames)
    expect(peak).toBeLessThan(96 * 1024 ** 2)
  })

  it('refuses what is not audio with the reason decoding gives', async () => {
    const fixtures = makeAudioFixtures(tempDir())
    for (const [path, reason] of Object.entries(fixtures.bad)) {
      await expect(
        streamMono(path, { sampleRate: 8000 }, () => undefined),
        path,
      ).rejects.toThrow(reason)
    }
  })

  it('stops between chunks when its signal aborts', async () => {
    const dir = tempDir()
    const wav = join(dir, 'long.wav')
    writeFileSync(wav, encodeWav(chirp(10, 44100), 44100, 'pcm16'))
    const controller = new AbortController()
    let chunks = 0
    const read = streamMono(wav, { sampleRate: 8000, signal: controller.signal }, () => {
      if (++chunks === 2) controller.abort(new Error('stopped'))
    })
    await expect(read).rejects.toThrow('stopped')
    expect(chunks).toBe(2)
  })
})
