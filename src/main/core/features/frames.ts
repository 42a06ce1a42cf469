import { EarmarkError } from '../errors'

/**
 * Values per analysis frame, frame-major: value `i` of frame `t` (librosa's `S[i, t]`, e.g. bin,
 * mel band or coefficient `i`) is `data[t * nValues + i]`.
 *
 * Frame-major is the transpose of librosa's `(n_values, n_frames)` arrays, chosen because every
 * stage (FFT, mel filters, DCT) produces and consumes one whole frame at a time, so each frame is
 * one contiguous run of memory; `toRows` gives librosa's layout for JSON and display.
 */
export interface FrameMatrix {
  /** The values, frame after frame. */
  readonly data: Float32Array
  /** Number of frames (librosa's last axis, `t`). */
  readonly nFrames: number
  /** Values per frame (librosa's first axis: bins, mel bands, coefficients…). */
  readonly nValues: number
}

/** An empty frame matrix of the given shape. */
export function frameMatrix(nFrames: number, nValues: number): FrameMatrix {
  return { data: new Float32Array(nFrames * nValues), nFrames, nValues }
}

/** librosa's layout as plain arrays: `nValues` rows, each the sequence of that value over frames. */
export function toRows(matrix: FrameMatrix): number[][] {
  const { data, nFrames, nValues } = matrix
  const rows: number[][] = []
  for (let i = 0; i < nValues; i++) {
    const row = new Array<number>(nFrames)
    for (let t = 0; t < nFrames; t++) row[t] = data[t * nValues + i] as number
    rows.push(row)
  }
  return rows
}

/** A frame matrix from librosa's layout (rows of equal length, one per value). */
export function fromRows(rows: readonly (ArrayLike<number> & Iterable<number>)[]): FrameMatrix {
  const nValues = rows.length
  const nFrames = rows[0]?.length ?? 0
  const matrix = frameMatrix(nFrames, nValues)
  rows.forEach((row, i) => {
    if (row.length !== nFrames) {
      throw new EarmarkError('invalid-input', `row ${i} has ${row.length} frames; row 0 has ${nFrames}`)
    }
    for (let t = 0; t < nFrames; t++) matrix.data[t * nValues + i] = row[t] as number
  })
  return matrix
}

/** One value's sequence over frames (librosa's row `S[i]`), copied out. */
export function valueOverFrames(matrix: FrameMatrix, index: number): Float32Array {
  const { data, nFrames, nValues } = matrix
  const out = new Float32Array(nFrames)
  for (let t = 0; t < nFrames; t++) out[t] = data[t * nValues + index] as number
  return out
}
