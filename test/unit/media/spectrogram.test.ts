import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodeSpectrogram,
  encodeSpectrogram,
  frequencyToFraction,
  fractionToFrequency,
  frequencyToY,
  parseSpectrogramQuery,
  rowCentreFrequency,
  spectrogramQuery,
  type SpectrogramImage,
  type SpectrogramRequest,
  yToFrequency,
} from '../../../src/shared/spectrogram'
import { loadAudio } from '../../../src/main/core/audio'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { computePeaks, MIN_PEAKS } from '../../../src/main/core/media/peaks'
import { computeSpectrogram } from '../../../src/main/core/media/spectrogram'
import { testService } from '../../helpers/service'
import { tempDir } from '../../helpers/temp'
import { encodeWav, tone } from '../../helpers/wav-writer'

const RATE = 16000

function writeWav(name: string, channels: Float32Array[], rate = RATE): string {
  const path = join(tempDir(), name)
  writeFileSync(path, encodeWav(channels, rate, 'pcm16'))
  return path
}

const base: SpectrogramRequest = { start: 0, end: 2, cols: 40, rows: 128, nFft: 1024, scale: 'linear', fmax: 8000 }

/** dB of a pixel, from its byte. */
const dbOf = (image: SpectrogramImage, byte: number) => image.dbFloor + (byte / 255) * (image.dbCeiling - image.dbFloor)

/** The brightest row of column c, counted from the bottom (0 Hz), and its byte. */
function peakRow(image: SpectrogramImage, c: number): { row: number; byte: number } {
  let best = { row: -1, byte: -1 }
  for (let r = 0; r < image.rows; r++) {
    const byte = image.pixels[(image.rows - 1 - r) * image.cols + c] as number
    if (byte > best.byte) best = { row: r, byte }
  }
  return best
}

describe('the spectrogram format', () => {
  it('round-trips an image through its bytes', () => {
    const pixels = Uint8Array.from({ length: 6 }, (_, i) => i * 40)
    const image: SpectrogramImage = {
      cols: 3,
      rows: 2,
      start: 1.25,
      end: 2.5,
      fmax: 8000,
      scale: 'mel',
      nFft: 512,
      sampleRate: 16000,
      dbFloor: -120,
      dbCeiling: 0,
      pixels,
    }
    const bytes = encodeSpectrogram(image)
    expect(decodeSpectrogram(bytes)).toEqual(image)
    expect(() => decodeSpectrogram(bytes.subarray(0, bytes.length - 1))).toThrow(/bad length/)
  })

  it('parses what it writes and refuses what it cannot serve', () => {
    expect(parseSpectrogramQuery(spectrogramQuery(base))).toEqual(base)
    const bad = (change: Record<string, string>) =>
      parseSpectrogramQuery(
        new URLSearchParams({
          ...Object.fromEntries(new URLSearchParams(spectrogramQuery(base))),
          ...change,
        }).toString(),
      )
    expect(bad({ nfft: '1000' })).toHaveProperty('error')
    expect(bad({ cols: '0' })).toHaveProperty('error')
    expect(bad({ cols: '100000' })).toHaveProperty('error')
    expect(bad({ end: '0' })).toHaveProperty('error')
    expect(bad({ scale: 'log' })).toHaveProperty('error')
    expect(bad({ fmax: '' })).toHaveProperty('error')
  })

  it('maps frequencies to the axis and back, linear and mel', () => {
    for (const scale of ['linear', 'mel'] as const) {
      for (const hz of [0, 120, 1000, 3000, 7999]) {
        expect(fractionToFrequency(frequencyToFraction(hz, 8000, scale), 8000, scale)).toBeCloseTo(hz, 6)
      }
    }
    // The mel axis gives the low frequencies more room.
    expect(frequencyToFraction(1000, 8000, 'mel')).toBeGreaterThan(frequencyToFraction(1000, 8000, 'linear') * 2)
  })

  it('places the centre frequency of a row at the centre of that row, and boxes by the same mapping', () => {
    for (const scale of ['linear', 'mel'] as const) {
      const axis = { fmax: 11025, scale }
      for (const rows of [64, 400]) {
        for (let row = 0; row < rows; row += 7) {
          const hz = rowCentreFrequency(row, rows, axis.fmax, scale)
          // Rows count from the bottom, pixels from the top: row r's centre is (rows - r - 0.5) rows down.
          expect(frequencyToY(hz, axis, rows)).toBeCloseTo(rows - row - 0.5, 9)
        }
      }
      for (const hz of [0, 60, 999, 1000, 4321, 11025]) {
        expect(yToFrequency(frequencyToY(hz, axis, 200), axis, 200)).toBeCloseTo(hz, 6)
      }
      // Outside the image the frequency clamps to the axis.
      expect(yToFrequency(-5, axis, 200)).toBeCloseTo(11025, 6)
      expect(yToFrequency(205, axis, 200)).toBe(0)
    }
    // On the mel axis 1 kHz sits well above the middle of an 8 kHz image (a linear one puts it low).
    expect(frequencyToY(1000, { fmax: 8000, scale: 'mel' }, 200)).toBeCloseTo(200 * (1 - 15 / 45.2456), 1)
  })
})

describe('computeSpectrogram', () => {
  it('puts a tone in its row at its level (a -6 dBFS sine reads -6 dB)', async () => {
    const path = writeWav('tone.wav', [tone(2, RATE, 3000, 0.5)])
    const image = decodeSpectrogram(await computeSpectrogram(path, base))
    expect(image).toMatchObject({ cols: 40, rows: 128, start: 0, end: 2, fmax: 8000, sampleRate: RATE })
    for (const c of [5, 20, 35]) {
      const { row, byte } = peakRow(image, c)
      // Row r covers [r, r + 1) * 8000 / 128 Hz: 3000 Hz is in row 48.
      expect(row).toBe(48)
      expect(dbOf(image, byte)).toBeGreaterThan(-7)
      expect(dbOf(image, byte)).toBeLessThan(-5)
    }
    // Far from the tone there is (almost) nothing.
    expect(dbOf(image, image.pixels[(image.rows - 1 - 110) * image.cols + 20] as number)).toBeLessThan(-80)
  })

  it('puts a tone where a box at its frequency is drawn on the mel axis', async () => {
    // Each tone's energy centre (rows weighted by power), in rows from the top of the image, must
    // fall where frequencyToY puts the tone: within a fifth of a row, where centring the bands
    // elsewhere than the rows (the features' filterbank) was off by up to half a row.
    for (const hz of [150, 400, 900, 1500, 3000, 6000]) {
      const path = writeWav(`tone-${hz}.wav`, [tone(1, RATE, hz, 0.5)])
      const rows = 128
      const image = decodeSpectrogram(await computeSpectrogram(path, { ...base, end: 1, scale: 'mel', rows }))
      const column = Array.from({ length: rows }, (_, i) => image.pixels[i * image.cols + 20] as number)
      const loudest = Math.max(...column)
      let weight = 0
      let sum = 0
      column.forEach((byte, i) => {
        if (byte < loudest - 8) return
        const power = 10 ** (dbOf(image, byte) / 10)
        weight += power
        sum += power * (i + 0.5)
      })
      expect(Math.abs(sum / weight - frequencyToY(hz, image, rows)), `${hz} Hz`).toBeLessThan(0.2)
    }
  })

  it('draws only the window asked for', async () => {
    // 1 s of a 1 kHz tone, then 1 s of a 5 kHz tone.
    const samples = new Float32Array(2 * RATE)
    samples.set(tone(1, RATE, 1000, 0.5), 0)
    samples.set(tone(1, RATE, 5000, 0.5), RATE)
    const path = writeWav('two.wav', [samples])
    const late = decodeSpectrogram(await computeSpectrogram(path, { ...base, start: 1.2, end: 1.8, cols: 10 }))
    expect(late.start).toBeCloseTo(1.2)
    for (let c = 0; c < 10; c++) expect(peakRow(late, c).row).toBe(Math.floor(5000 / 62.5))
    // A window past the end is clamped to the clip.
    const clamped = decodeSpectrogram(await computeSpectrogram(path, { ...base, start: 1.5, end: 9, cols: 4 }))
    expect(clamped.end).toBeCloseTo(2)
  })

  it('sees a short burst in a long zoomed-out window (several frames per column)', async () => {
    const samples = new Float32Array(60 * RATE)
    samples.set(tone(0.15, RATE, 2000, 0.5), 30 * RATE + 200)
    const path = writeWav('long.wav', [samples])
    const image = decodeSpectrogram(await computeSpectrogram(path, { ...base, start: 0, end: 60, cols: 60 }))
    const { row, byte } = peakRow(image, 30)
    expect(row).toBe(32)
    expect(dbOf(image, byte)).toBeGreaterThan(-20)
    expect(dbOf(image, peakRow(image, 10).byte)).toBeLessThan(-100)
  })

  it('mixes stereo to mono', async () => {
    const left = tone(1, RATE, 1000, 0.5)
    const path = writeWav('stereo.wav', [left, new Float32Array(left.length)])
    const image = decodeSpectrogram(await computeSpectrogram(path, { ...base, end: 1, cols: 8 }))
    // The mean of the channels: half the amplitude, -12 dB.
    expect(dbOf(image, peakRow(image, 4).byte)).toBeCloseTo(-12, 0)
  })
})

describe('computePeaks', () => {
  it('streams a WAV to the same outline as the decoded samples give', async () => {
    const a = tone(1.3, 22050, 440, 0.8)
    const b = tone(1.3, 22050, 97, 0.3)
    for (const channels of [[a], [a, b]]) {
      const path = writeWav('p.wav', channels, 22050)
      const { peaks, duration } = await computePeaks(path)
      const decoded = await loadAudio(path, { mono: true })
      const samples = decoded.channels[0] as Float32Array
      expect(duration).toBeCloseTo(1.3, 4)
      expect(peaks.length).toBe(MIN_PEAKS)
      const size = samples.length / peaks.length
      for (const bucket of [0, 1, 777, peaks.length - 1]) {
        let max = 0
        for (let i = Math.round(bucket * size); i < Math.round((bucket + 1) * size); i++) {
          max = Math.max(max, Math.abs(samples[i] as number))
        }
        expect(peaks[bucket]).toBeCloseTo(max, 6)
      }
    }
  })
})

describe('the spectrogram media route', () => {
  let close: (() => Promise<void>) | undefined
  afterEach(async () => close?.())

  it('answers spectrogram/<id>?… for a clip of the project, computed in the audio worker', async () => {
    const t = testService()
    close = () => t.service.close()
    const path = writeWav('tone.wav', [tone(2, RATE, 3000, 0.5)])
    const id = insertClip(t.service.catalog().db, {
      path,
      contentHash: 'h',
      duration: 2,
      sampleRate: RATE,
      channels: 1,
      size: 64044,
      codec: 'PCM 16-bit',
    })
    const answer = await t.service.media(`spectrogram/${id}?${spectrogramQuery(base)}`)
    if (answer.kind !== 'bytes') throw new Error(`expected bytes, got ${answer.kind}`)
    expect(peakRow(decodeSpectrogram(answer.body), 20).row).toBe(48)
    await expect(
      t.service.media(`spectrogram/${id}?${spectrogramQuery({ ...base, nFft: 1000 })}`),
    ).resolves.toMatchObject({
      kind: 'bad-request',
    })
    await expect(t.service.media(`spectrogram/${id + 1}?${spectrogramQuery(base)}`)).resolves.toEqual({
      kind: 'not-found',
    })
    await expect(t.service.media(`spectrogram/${id}/../x?${spectrogramQuery(base)}`)).resolves.toEqual({
      kind: 'not-found',
    })
  })
})
