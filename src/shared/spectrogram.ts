// The spectrogram media endpoint's request and its compact binary answer, declared once for the
// studio (which computes it) and the renderer (which draws it): `spectrogram/<clipId>?start=…`.
import { z } from 'zod'

/** Frequency axes the spectrogram draws. */
export const SPECTROGRAM_SCALES = ['linear', 'mel'] as const
/** A frequency axis: linear in Hz, or Slaney's mel scale. */
export type SpectrogramScale = (typeof SPECTROGRAM_SCALES)[number]

/** FFT sizes offered (powers of two). */
export const SPECTROGRAM_FFT_SIZES = [256, 512, 1024, 2048, 4096] as const

/** Colour maps the studio draws the spectrogram with. */
export const SPECTROGRAM_COLORMAPS = ['viridis', 'magma', 'grey'] as const

/**
 * How a person left the spectrogram: kept in the project (its settings table), so that a project
 * opens as it was left, on any machine.
 */
export const spectrogramSettingsSchema = z
  .object({
    colormap: z.enum(SPECTROGRAM_COLORMAPS),
    nFft: z
      .number()
      .int()
      .refine((n) => (SPECTROGRAM_FFT_SIZES as readonly number[]).includes(n), 'must be an FFT size the studio offers'),
    scale: z.enum(SPECTROGRAM_SCALES),
    /** The dB range across the colour map (relative to full scale). */
    minDb: z.number().finite().min(-200).max(50),
    maxDb: z.number().finite().min(-200).max(50),
    /** Top of the frequency axis, Hz; 0 means the clip's Nyquist frequency. */
    fmax: z.number().finite().min(0).max(1e6),
  })
  .strict()
  .refine((s) => s.minDb < s.maxDb, { message: 'minDb must be below maxDb', path: ['maxDb'] })

/** The spectrogram's display settings. */
export type SpectrogramSettings = z.infer<typeof spectrogramSettingsSchema>

/** What a project that never changed them shows. */
export const DEFAULT_SPECTROGRAM_SETTINGS: Readonly<SpectrogramSettings> = {
  colormap: 'viridis',
  nFft: 1024,
  scale: 'linear',
  minDb: -100,
  maxDb: -20,
  fmax: 0,
}

/** Limits on a request, so one URL cannot ask for an unbounded amount of work. */
export const SPECTROGRAM_LIMITS = { maxCols: 4096, maxRows: 1024, minFft: 64, maxFft: 16384 } as const

/**
 * The dB range the image's bytes cover, relative to full scale (a full-scale sine reads ~0 dB):
 * byte 0 is this floor or below, byte 255 the ceiling or above. The renderer narrows the range it
 * shows through its colour map, without asking again.
 */
export const SPECTROGRAM_DB_FLOOR = -120
/** The top of the bytes' dB range. */
export const SPECTROGRAM_DB_CEILING = 0

/** A spectrogram of one window of a clip, `cols` wide and `rows` high. */
export interface SpectrogramRequest {
  /** Seconds. */
  start: number
  end: number
  cols: number
  rows: number
  nFft: number
  scale: SpectrogramScale
  /** Top of the frequency axis in Hz (clamped to the clip's Nyquist frequency). */
  fmax: number
}

/** A decoded answer. */
export interface SpectrogramImage {
  cols: number
  rows: number
  /** The window actually drawn, seconds (the request's, clamped to the clip). */
  start: number
  end: number
  /** Frequency axis, Hz: row `rows - 1` is the top (fmax). */
  fmax: number
  scale: SpectrogramScale
  nFft: number
  sampleRate: number
  /** The dB values bytes 0 and 255 stand for. */
  dbFloor: number
  dbCeiling: number
  /** Row-major, top row (highest frequency) first, one byte per pixel. */
  pixels: Uint8Array
}

/** "EMSP" little-endian: marks the format (and its version, by the header's length). */
const MAGIC = 0x50534d45
/** Bytes before the pixels. */
export const SPECTROGRAM_HEADER_BYTES = 48

/** Writes an image as header + pixels. */
export function encodeSpectrogram(image: SpectrogramImage): Uint8Array {
  const out = new Uint8Array(SPECTROGRAM_HEADER_BYTES + image.pixels.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint16(4, image.cols, true)
  view.setUint16(6, image.rows, true)
  view.setFloat64(8, image.start, true)
  view.setFloat64(16, image.end, true)
  view.setFloat32(24, image.fmax, true)
  view.setUint32(28, image.sampleRate, true)
  view.setUint32(32, image.nFft, true)
  view.setUint8(36, image.scale === 'mel' ? 1 : 0)
  view.setFloat32(40, image.dbFloor, true)
  view.setFloat32(44, image.dbCeiling, true)
  out.set(image.pixels, SPECTROGRAM_HEADER_BYTES)
  return out
}

/** Reads what `encodeSpectrogram` wrote; throws on anything else. */
export function decodeSpectrogram(bytes: ArrayBuffer | Uint8Array): SpectrogramImage {
  const array = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  if (array.length < SPECTROGRAM_HEADER_BYTES) throw new Error('not a spectrogram: too short')
  const view = new DataView(array.buffer, array.byteOffset, array.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw new Error('not a spectrogram: bad magic')
  const cols = view.getUint16(4, true)
  const rows = view.getUint16(6, true)
  if (array.length !== SPECTROGRAM_HEADER_BYTES + cols * rows) throw new Error('not a spectrogram: bad length')
  return {
    cols,
    rows,
    start: view.getFloat64(8, true),
    end: view.getFloat64(16, true),
    fmax: view.getFloat32(24, true),
    sampleRate: view.getUint32(28, true),
    nFft: view.getUint32(32, true),
    scale: view.getUint8(36) === 1 ? 'mel' : 'linear',
    dbFloor: view.getFloat32(40, true),
    dbCeiling: view.getFloat32(44, true),
    pixels: array.subarray(SPECTROGRAM_HEADER_BYTES),
  }
}

/** The query string of a request (without `?`). */
export function spectrogramQuery(request: SpectrogramRequest): string {
  const params = new URLSearchParams({
    start: request.start.toFixed(4),
    end: request.end.toFixed(4),
    cols: String(request.cols),
    rows: String(request.rows),
    nfft: String(request.nFft),
    scale: request.scale,
    fmax: String(Math.round(request.fmax)),
  })
  return params.toString()
}

/** Parses and checks a query string; returns a reason when it is not a valid request. */
export function parseSpectrogramQuery(query: string): SpectrogramRequest | { error: string } {
  const params = new URLSearchParams(query)
  const number = (name: string): number => {
    const raw = params.get(name)
    return raw === null || raw.trim() === '' ? NaN : Number(raw)
  }
  const start = number('start')
  const end = number('end')
  const cols = number('cols')
  const rows = number('rows')
  const nFft = number('nfft')
  const fmax = number('fmax')
  const scale = params.get('scale') ?? 'linear'
  const { maxCols, maxRows, minFft, maxFft } = SPECTROGRAM_LIMITS
  if (!(start >= 0) || !(end > start) || !Number.isFinite(end)) return { error: 'need 0 <= start < end' }
  if (!Number.isInteger(cols) || cols < 1 || cols > maxCols) return { error: `cols must be 1..${maxCols}` }
  if (!Number.isInteger(rows) || rows < 1 || rows > maxRows) return { error: `rows must be 1..${maxRows}` }
  if (!Number.isInteger(nFft) || nFft < minFft || nFft > maxFft || (nFft & (nFft - 1)) !== 0) {
    return { error: `nfft must be a power of two in ${minFft}..${maxFft}` }
  }
  if (!(fmax > 0) || !Number.isFinite(fmax)) return { error: 'fmax must be > 0' }
  if (scale !== 'linear' && scale !== 'mel') return { error: 'scale must be linear or mel' }
  return { start, end, cols, rows, nFft, scale, fmax }
}

// Slaney's mel scale (librosa's default), as the studio's features use: linear below 1 kHz.
const F_SP = 200 / 3
const MIN_LOG_HZ = 1000
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP
const LOG_STEP = Math.log(6.4) / 27

/** Hz to Slaney mels. */
export function hzToMelSlaney(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP
}

/** Slaney mels to Hz. */
export function melToHzSlaney(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel
}

/**
 * Where a frequency sits on the axis, 0 at the bottom (0 Hz) and 1 at the top (fmax): the one
 * mapping the image's rows and the boxes drawn over it share.
 */
export function frequencyToFraction(hz: number, fmax: number, scale: SpectrogramScale): number {
  if (scale === 'mel') return hzToMelSlaney(hz) / hzToMelSlaney(fmax)
  return hz / fmax
}

/** The inverse of `frequencyToFraction`. */
export function fractionToFrequency(fraction: number, fmax: number, scale: SpectrogramScale): number {
  if (scale === 'mel') return melToHzSlaney(fraction * hzToMelSlaney(fmax))
  return fraction * fmax
}

/**
 * The frequency at the centre of image row `row` of `rows` (row 0 at the bottom): the studio
 * centres each row's band here, which is where `frequencyToFraction` puts the row, so that a box
 * drawn over the image sits on the rows that show its frequencies, on either axis.
 */
export function rowCentreFrequency(row: number, rows: number, fmax: number, scale: SpectrogramScale): number {
  return fractionToFrequency((row + 0.5) / rows, fmax, scale)
}

/** A frequency axis: what an image was drawn with, and what boxes over it are placed by. */
export interface FrequencyAxis {
  fmax: number
  scale: SpectrogramScale
}

/** Pixels from the top of an image `height` high (the axis's fmax) down to a frequency. */
export function frequencyToY(hz: number, axis: FrequencyAxis, height: number): number {
  return (1 - frequencyToFraction(hz, axis.fmax, axis.scale)) * height
}

/** The frequency `y` pixels from the top of an image `height` high, clamped to the axis. */
export function yToFrequency(y: number, axis: FrequencyAxis, height: number): number {
  return fractionToFrequency(Math.min(1, Math.max(0, 1 - y / height)), axis.fmax, axis.scale)
}
