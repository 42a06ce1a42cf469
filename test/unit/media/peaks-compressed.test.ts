import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAudio } from '../../../src/main/core/audio'
import { computePeaks, MIN_PEAKS, PEAKS_PER_SECOND, STREAM_PEAKS_SECONDS } from '../../../src/main/core/media/peaks'
import { hasFfmpeg } from '../../helpers/audio-fixtures'
import { tempDir } from '../../helpers/temp'
import { encodeWav } from '../../helpers/wav-writer'

/** Stereo with a level that changes every second, so that a misplaced bucket shows. */
function steps(seconds: number, rate: number): Float32Array[] {
  const left = new Float32Array(seconds * rate)
  const right = new Float32Array(seconds * rate)
  for (let i = 0; i < left.length; i++) {
    const level = 0.1 + (0.8 * ((Math.floor(i / rate) * 7) % 10)) / 10
    left[i] = level * Math.sin((2 * Math.PI * 440 * i) / rate)
    right[i] = 0.5 * level * Math.sin((2 * Math.PI * 660 * i) / rate)
  }
  return [left, right]
}

describe.skipIf(!hasFfmpeg)('peaks of a long compressed file, outlined while it decodes', () => {
  it('match the outline of the whole decode, bucket for bucket, for FLAC, MP3 and Ogg Vorbis', async () => {
    const dir = tempDir()
    const rate = 44100
    const seconds = Math.ceil(STREAM_PEAKS_SECONDS) + 5
    const wav = join(dir, 'long.wav')
    writeFileSync(wav, encodeWav(steps(seconds, rate), rate, 'pcm16'))
    for (const [name, args] of [
      ['long.flac', ['-c:a', 'flac']],
      ['long.mp3', ['-c:a', 'libmp3lame', '-b:a', '128k']],
      ['long.ogg', ['-c:a', 'libvorbis']],
    ] as const) {
      const path = join(dir, name)
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, ...args, path])
      const { peaks, duration } = await computePeaks(path)
      const whole = await loadAudio(path, { mono: true })
      const samples = whole.channels[0] as Float32Array
      expect(duration).toBeCloseTo(samples.length / whole.sampleRate, 6)
      expect(peaks.length).toBe(Math.max(MIN_PEAKS, Math.ceil(duration * PEAKS_PER_SECOND)))
      // Each bucket holds its own loudest sample, and nothing louder than its neighbours' (the
      // 1 ms grain it was gathered at may reach a millisecond over a bucket's edge).
      const size = samples.length / peaks.length
      const exact = Array.from({ length: peaks.length }, (_, b) => {
        let max = 0
        for (let i = Math.round(b * size); i < Math.round((b + 1) * size); i++) {
          max = Math.max(max, Math.abs(samples[i] as number))
        }
        return max
      })
      for (let b = 0; b < peaks.length; b++) {
        const near = Math.max(exact[b - 1] ?? 0, exact[b] as number, exact[b + 1] ?? 0)
        expect(peaks[b], `${name} bucket ${b}`).toBeGreaterThanOrEqual((exact[b] as number) - 1e-6)
        expect(peaks[b], `${name} bucket ${b}`).toBeLessThanOrEqual(near + 1e-6)
      }
    }
  }, 60_000)
})
