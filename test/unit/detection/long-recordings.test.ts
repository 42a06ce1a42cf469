import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planRealFft } from '../../../src/main/core/features/fft'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { fsddFiles } from '../../helpers/fsdd'
import {
  activeSpan,
  buildLongRecordings,
  NOISE_RMS,
  pinkNoise,
  power,
  readPcm16,
  writeRecordingsManifest,
  type LongRecording,
} from '../../helpers/long-recordings'
import { tempDir } from '../../helpers/temp'

/** 90 digits: every digit of every speaker, takes 0-2: three or more recordings per speaker at these settings. */
const digits = () => fsddFiles().filter((f) => f.take <= 2)

const db = (x: number) => 10 * Math.log10(x)

/** A label track's lines as numbers. */
const track = (r: LongRecording) =>
  readFileSync(r.labelPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [start, end, label] = line.split('\t')
      return { start: Number(start), end: Number(end), label }
    })

describe('long recordings built from fsdd-dev', () => {
  let recordings: LongRecording[] = []
  const dirs: string[] = []
  const build = (seed: number) => {
    dirs.push(mkdtempSync(join(tmpdir(), 'earmark-long-')))
    return buildLongRecordings({ seed, digits: digits(), split: 'test', dir: dirs.at(-1)! })
  }
  beforeAll(() => {
    recordings = build(7)
  })
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

  it('places every digit once, one speaker per recording of 20-60 s, 8 kHz 16-bit', () => {
    expect(
      recordings
        .map((r) => r.digits.map((d) => d.source))
        .flat()
        .sort(),
    ).toEqual(
      digits()
        .map((f) => f.path)
        .sort(),
    )
    expect(new Set(recordings.map((r) => r.speaker))).toEqual(new Set(['george', 'jackson', 'lucas']))
    expect(recordings.length).toBeGreaterThanOrEqual(4)
    for (const r of recordings) {
      expect(r.seconds).toBeGreaterThanOrEqual(20)
      expect(r.seconds).toBeLessThanOrEqual(60)
      const wav = readPcm16(r.path)
      expect(wav.sampleRate).toBe(8000)
      expect(wav.samples.length).toBe(Math.round(r.seconds * 8000))
      for (const d of r.digits) expect(d.source).toMatch(new RegExp(`/${d.label}_${r.speaker}_\\d+\\.wav$`))
    }
  })

  it('labels lie inside the file, in order, at least 0.3 s apart and from either end, each the exact digit length', () => {
    for (const r of recordings) {
      const labels = track(r)
      expect(labels).toEqual(
        r.digits.map((d) => ({ start: +d.start.toFixed(6), end: +d.end.toFixed(6), label: d.label })),
      )
      let previousEnd = 0
      for (const d of r.digits) {
        expect(d.start - previousEnd).toBeGreaterThanOrEqual(0.3 - 1e-9)
        expect(d.end).toBeGreaterThan(d.start)
        previousEnd = d.end
        // The span is the source's active part, trimmed of its near-silence.
        const source = readPcm16(d.source)
        const span = activeSpan(source.samples, 8000)
        expect(Math.round((d.end - d.start) * 8000)).toBe(span.end - span.start)
        expect(span.end - span.start).toBeLessThanOrEqual(source.samples.length)
      }
      expect(r.seconds - previousEnd).toBeGreaterThanOrEqual(0.3 - 1e-9)
    }
  })

  it('mixes each digit at its drawn SNR in 6-15 dB: measured from the file within 0.5 dB', () => {
    const errors: number[] = []
    for (const r of recordings) {
      const { samples } = readPcm16(r.path)
      // Between the digits the file is noise alone: its power there is the noise's.
      const inDigit = new Uint8Array(samples.length)
      for (const d of r.digits) inDigit.fill(1, Math.round(d.start * 8000), Math.round(d.end * 8000))
      let sum = 0
      let count = 0
      samples.forEach((v, i) => {
        if (!inDigit[i]) {
          sum += v * v
          count++
        }
      })
      const noise = sum / count
      expect(Math.abs(db(noise) - db(NOISE_RMS ** 2))).toBeLessThan(0.2)
      for (const d of r.digits) {
        expect(d.snrDb).toBeGreaterThanOrEqual(6)
        expect(d.snrDb).toBeLessThanOrEqual(15)
        const mixed = power(samples, Math.round(d.start * 8000), Math.round(d.end * 8000))
        errors.push(db((mixed - noise) / noise) - d.snrDb)
      }
    }
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.5)
  })

  it('is the same for the same seed and differs for another', () => {
    const again = build(7)
    expect(again.map((r) => r.digits)).toEqual(recordings.map((r) => r.digits))
    for (const [i, r] of again.entries()) {
      expect(readFileSync(r.path).equals(readFileSync(recordings[i]!.path))).toBe(true)
    }
    expect(build(8).map((r) => r.digits)).not.toEqual(recordings.map((r) => r.digits))
  })

  it('refuses to overwrite recordings another call wrote in the same folder under the same split', () => {
    const dir = dirs[0]!
    expect(() => buildLongRecordings({ seed: 9, digits: digits(), split: 'test', dir })).toThrow(
      /test-george-00\.wav exists: give each call on one folder its own split/,
    )
  })

  it('writes a manifest of unlabeled recordings with the speaker as group', () => {
    const dir = tempDir()
    const manifest = readFileSync(writeRecordingsManifest(dir, recordings), 'utf8').trim().split('\n')
    expect(manifest[0]).toBe('path,label,group,split')
    expect(manifest.slice(1)).toEqual(recordings.map((r) => `${r.path},,${r.speaker},test`))
  })
})

describe('pink noise', () => {
  it('has equal power per octave, 16 Hz to 4 kHz, within 1 dB, at the RMS asked for', () => {
    const n = 8000 * 60
    const noise = pinkNoise(n, mulberry32(3), 0.1)
    expect(Math.sqrt(power(noise))).toBeCloseTo(0.1, 6)
    // Averaged periodogram (Welch, Hann, 4096 points: 1.95 Hz bins).
    const size = 4096
    const fft = planRealFft(size)
    const hann = Float64Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size))
    const psd = new Float64Array(fft.nBins)
    const frame = new Float64Array(fft.nBins)
    const signal = Float64Array.from(noise)
    for (let at = 0; at + size <= n; at += size / 2) {
      fft.power(signal, at, hann, frame)
      for (let k = 0; k < fft.nBins; k++) psd[k] = (psd[k] as number) + (frame[k] as number)
    }
    const band = (low: number, high: number) => {
      let sum = 0
      for (let k = Math.ceil((low * size) / 8000); k < Math.ceil((high * size) / 8000); k++) sum += psd[k] as number
      return sum
    }
    const octaves = [15.625, 31.25, 62.5, 125, 250, 500, 1000, 2000].map((f) => db(band(f, 2 * f)))
    const mean = octaves.reduce((a, b) => a + b, 0) / octaves.length
    for (const o of octaves) expect(Math.abs(o - mean)).toBeLessThan(1)
    // (White noise would gain 3 dB per octave.) Below the slowest row's rate the noise stops rising:
    // flat per hertz, it loses 3 dB per octave, so it does not drift over a digit's length.
    expect(db(band(3.90625, 7.8125))).toBeLessThan(mean - 2)
  })
})
