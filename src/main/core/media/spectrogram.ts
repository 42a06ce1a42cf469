import { closeSync, openSync, readSync, statSync } from 'node:fs'
import {
  encodeSpectrogram,
  rowCentreFrequency,
  SPECTROGRAM_DB_CEILING,
  SPECTROGRAM_DB_FLOOR,
  type SpectrogramRequest,
} from '@shared/spectrogram'
import { decodeAudio, toMono } from '../audio'
import { fileSource } from '../audio/byte-source'
import { SNIFF_BYTES, sniffContainer } from '../audio/sniff'
import { convertBlock, readWavLayout, type WavLayout } from '../audio/wav'
import { planRealFft } from '../features/fft'
import { powerToDbInto } from '../features/db'
import { getWindow } from '../features/windows'

/** Most STFT frames averaged into one column when a column spans much more than one FFT. */
const MAX_FRAMES_PER_COLUMN = 8

/**
 * Mono samples of a clip by position: only what is asked is read, so a window of a one-hour WAV
 * costs the frames it shows, not the hour.
 */
interface MonoReader {
  readonly sampleRate: number
  /** Samples per channel. */
  readonly length: number
  /** Fills `out` with the mono mix of samples [from, from + out.length); zeros outside the clip. */
  read(from: number, out: Float64Array): void
  close(): void
}

/**
 * The spectrogram of one window of a clip as a byte image (see `@shared/spectrogram`): each
 * column is the power spectrum of the Hann-windowed frame centred on it (the mean of up to
 * `MAX_FRAMES_PER_COLUMN` frames spread over it when the window is long), mapped to rows on a
 * linear or mel axis, converted to dB relative to a full-scale sine and clamped to the
 * format's range. Runs in the audio worker.
 */
export async function computeSpectrogram(path: string, request: SpectrogramRequest): Promise<Uint8Array> {
  const reader = await openMonoReader(path)
  try {
    return spectrogramOf(reader, request)
  } finally {
    reader.close()
  }
}

function spectrogramOf(reader: MonoReader, request: SpectrogramRequest): Uint8Array {
  const { sampleRate: sr, length } = reader
  const duration = length / sr
  const { cols, rows, nFft, scale } = request
  const start = Math.min(Math.max(0, request.start), duration)
  const end = Math.max(start, Math.min(request.end, duration))
  const fmax = Math.min(request.fmax, sr / 2)
  const power = new Float32Array(cols * rows)
  const nBins = nFft / 2 + 1
  if (end > start && length > 0) {
    const fft = planRealFft(nFft)
    const window = getWindow('hann', nFft)
    const frame = new Float64Array(nFft)
    const spectrum = new Float64Array(nBins)
    const column = new Float64Array(nBins)
    const toRows = scale === 'mel' ? melRows(sr, nFft, rows, fmax) : linearRows(sr, nFft, rows, fmax)
    const colSeconds = (end - start) / cols
    const perColumn = Math.max(1, Math.min(MAX_FRAMES_PER_COLUMN, Math.floor((colSeconds * sr) / nFft)))
    const rowValues = new Float32Array(rows)
    for (let c = 0; c < cols; c++) {
      column.fill(0)
      for (let k = 0; k < perColumn; k++) {
        const centre = (start + (c + (k + 0.5) / perColumn) * colSeconds) * sr
        reader.read(Math.round(centre) - nFft / 2, frame)
        fft.power(frame, 0, window, spectrum)
        for (let b = 0; b < nBins; b++) (column[b] as number) += spectrum[b] as number
      }
      for (let b = 0; b < nBins; b++) (column[b] as number) /= perColumn
      toRows(column, rowValues)
      // Row-major with the top row (fmax) first, as a canvas draws it.
      for (let r = 0; r < rows; r++) power[(rows - 1 - r) * cols + c] = rowValues[r] as number
    }
    // A full-scale sine's peak bin holds (sum of the window / 2)^2: that power reads 0 dB.
    let windowSum = 0
    for (let i = 0; i < nFft; i++) windowSum += window[i] as number
    powerToDbInto(power, power, { ref: (windowSum / 2) ** 2, amin: 1e-20, topDb: null })
  } else {
    power.fill(SPECTROGRAM_DB_FLOOR)
  }
  const pixels = new Uint8Array(cols * rows)
  const span = SPECTROGRAM_DB_CEILING - SPECTROGRAM_DB_FLOOR
  for (let i = 0; i < pixels.length; i++) {
    const db = power[i] as number
    // NaN (an empty window) and -Infinity land on 0; Uint8Array clamps the rest.
    pixels[i] = db > SPECTROGRAM_DB_FLOOR ? Math.round(((db - SPECTROGRAM_DB_FLOOR) / span) * 255) : 0
  }
  return encodeSpectrogram({
    cols,
    rows,
    start,
    end,
    fmax,
    scale,
    nFft,
    sampleRate: sr,
    dbFloor: SPECTROGRAM_DB_FLOOR,
    dbCeiling: SPECTROGRAM_DB_CEILING,
    pixels,
  })
}

/** Power spectrum (nBins) to `rows` values on a linear axis: the strongest bin under each row. */
function linearRows(sr: number, nFft: number, rows: number, fmax: number) {
  const binHz = sr / nFft
  const nBins = nFft / 2 + 1
  const lo = new Int32Array(rows)
  const hi = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    const from = (r * fmax) / rows
    const to = ((r + 1) * fmax) / rows
    lo[r] = Math.min(nBins - 1, Math.ceil(from / binHz))
    hi[r] = Math.min(nBins, Math.ceil(to / binHz))
  }
  return (spectrum: Float64Array, out: Float32Array) => {
    for (let r = 0; r < rows; r++) {
      const a = lo[r] as number
      const b = hi[r] as number
      if (b <= a) {
        // More rows than bins here: interpolate between the bins around the row's centre.
        const at = ((r + 0.5) * fmax) / rows / binHz
        const k = Math.min(nBins - 2, Math.floor(at))
        const t = at - k
        out[r] = (1 - t) * (spectrum[k] as number) + t * (spectrum[k + 1] as number)
        continue
      }
      let max = 0
      for (let k = a; k < b; k++) if ((spectrum[k] as number) > max) max = spectrum[k] as number
      out[r] = max
    }
  }
}

/**
 * Power spectrum to `rows` mel bands: triangles in Hz, each peaking at its row's centre
 * (`rowCentreFrequency`, the mapping the renderer places boxes and ticks by) and reaching zero at
 * its neighbours' centres, scaled to unit sum so that a tone and broadband noise read as in the
 * linear view. A band too narrow to hold an FFT bin takes the interpolated power at its centre.
 */
function melRows(sr: number, nFft: number, rows: number, fmax: number) {
  const nBins = nFft / 2 + 1
  const binHz = sr / nFft
  const centre = (m: number) => rowCentreFrequency(m, rows, fmax, 'mel')
  const first = new Int32Array(rows)
  const weights: Float64Array[] = []
  const centreBin = new Float64Array(rows)
  for (let m = 0; m < rows; m++) {
    const left = centre(m - 1)
    const mid = centre(m)
    const right = centre(m + 1)
    const from = Math.max(0, Math.ceil(left / binHz))
    const to = Math.min(nBins - 1, Math.floor(right / binHz))
    const w = new Float64Array(Math.max(0, to - from + 1))
    let sum = 0
    for (let k = from; k <= to; k++) {
      const hz = k * binHz
      const v = Math.max(0, hz <= mid ? (hz - left) / (mid - left) : (right - hz) / (right - mid))
      w[k - from] = v
      sum += v
    }
    if (sum > 0) for (let i = 0; i < w.length; i++) (w[i] as number) /= sum
    first[m] = from
    weights.push(sum > 0 ? w : new Float64Array(0))
    centreBin[m] = mid / binHz
  }
  return (spectrum: Float64Array, out: Float32Array) => {
    for (let m = 0; m < rows; m++) {
      const w = weights[m] as Float64Array
      if (w.length > 0) {
        const from = first[m] as number
        let v = 0
        for (let i = 0; i < w.length; i++) v += (w[i] as number) * (spectrum[from + i] as number)
        out[m] = v
        continue
      }
      const at = centreBin[m] as number
      const k = Math.min(nBins - 2, Math.floor(at))
      const t = at - k
      out[m] = (1 - t) * (spectrum[k] as number) + t * (spectrum[k + 1] as number)
    }
  }
}

async function openMonoReader(path: string): Promise<MonoReader> {
  const source = await fileSource(path)
  let layout: WavLayout | undefined
  try {
    const head = await source.read(0, SNIFF_BYTES)
    if (sniffContainer(head) === 'wav') layout = await readWavLayout(source)
  } finally {
    await source.close()
  }
  return layout ? wavReader(path, layout) : decodedReader(path)
}

/** Reads WAV frames straight from the file, synchronously: this runs in a worker thread. */
function wavReader(path: string, layout: WavLayout): MonoReader {
  const fd = openSync(path, 'r')
  const { channels: nChannels, frames, sampleRate } = layout.info
  let bytes = Buffer.alloc(0)
  let channels: Float32Array[] = []
  return {
    sampleRate,
    length: frames,
    read(from, out) {
      out.fill(0)
      const first = Math.max(0, from)
      const last = Math.min(frames, from + out.length)
      if (last <= first) return
      const count = last - first
      if (bytes.length < count * layout.blockAlign) bytes = Buffer.alloc(out.length * layout.blockAlign)
      if ((channels[0]?.length ?? 0) < count) {
        channels = Array.from({ length: nChannels }, () => new Float32Array(out.length))
      }
      const wanted = count * layout.blockAlign
      let filled = 0
      while (filled < wanted) {
        const n = readSync(fd, bytes, filled, wanted - filled, layout.dataOffset + first * layout.blockAlign + filled)
        if (n === 0) break
        filled += n
      }
      const got = Math.floor(filled / layout.blockAlign)
      convertBlock(bytes.subarray(0, filled), layout, channels, 0, got)
      const offset = first - from
      const scale = 1 / nChannels
      for (const channel of channels) {
        for (let i = 0; i < got; i++) (out[offset + i] as number) += (channel[i] as number) * scale
      }
    },
    close: () => closeSync(fd),
  }
}

/**
 * Compressed files cannot be read by position, so they are decoded whole once; the worker keeps
 * the last one, because a person scrolls and zooms through the same clip.
 */
let lastDecoded: { key: string; samples: Float32Array; sampleRate: number } | undefined

async function decodedReader(path: string): Promise<MonoReader> {
  const stats = statSync(path)
  const key = `${path}\0${stats.size}\0${stats.mtimeMs}`
  if (lastDecoded?.key !== key) {
    lastDecoded = undefined
    const decoded = await decodeAudio(path)
    lastDecoded = { key, samples: toMono(decoded.channels), sampleRate: decoded.sampleRate }
  }
  const { samples, sampleRate } = lastDecoded
  return {
    sampleRate,
    length: samples.length,
    read(from, out) {
      for (let i = 0; i < out.length; i++) {
        const at = from + i
        out[i] = at >= 0 && at < samples.length ? (samples[at] as number) : 0
      }
    },
    close: () => undefined,
  }
}
