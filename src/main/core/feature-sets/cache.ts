import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { FrameMatrix } from '../features'

/**
 * The project's cache folder, `<project>.cache/` beside the project file (as peaks use): computed
 * features under `features/<frame key>/<content hash>.emf`, their summaries under
 * `summary/<summary key>/<content hash>.ems`, preprocessed audio under
 * `preprocessed/<pipeline key>/<content hash>.wav`. Content hashes make a moved or duplicated file
 * reuse its entries; parameter keys make a changed parameter miss only what depends on it.
 */
export const cacheRoot = (projectPath: string): string => `${projectPath}.cache`

/** Where one cached item of one clip is. */
export function cachePath(
  root: string,
  kind: 'features' | 'summary' | 'preprocessed' | 'peaks-preprocessed',
  key: string,
  contentHash: string,
): string {
  const extension = { features: 'emf', summary: 'ems', preprocessed: 'wav', 'peaks-preprocessed': 'f32' }[kind]
  return join(root, kind, key, `${contentHash}.${extension}`)
}

/** One piece of a clip's frames: where it came from (seconds of the original) and its matrix. */
export interface CachedPiece {
  start: number
  end: number
  matrix: FrameMatrix
}

const FRAMES_MAGIC = 0x31464d45 // 'EMF1'
const SUMMARY_MAGIC = 0x31534d45 // 'EMS1'

/**
 * Frames of every piece of a clip, little-endian: u32 magic 'EMF1', u32 pieces, u32 values per
 * frame, u32 0; per piece f64 start, f64 end, u32 frames, u32 0; then every piece's float32 values,
 * frame-major, one piece after another.
 */
export function encodeFrames(pieces: readonly CachedPiece[], nValues: number): Uint8Array {
  const header = 16 + 24 * pieces.length
  const values = pieces.reduce((n, p) => n + p.matrix.data.length, 0)
  const out = new Uint8Array(header + 4 * values)
  const view = new DataView(out.buffer)
  view.setUint32(0, FRAMES_MAGIC, true)
  view.setUint32(4, pieces.length, true)
  view.setUint32(8, nValues, true)
  let at = header
  pieces.forEach((p, i) => {
    view.setFloat64(16 + 24 * i, p.start, true)
    view.setFloat64(24 + 24 * i, p.end, true)
    view.setUint32(32 + 24 * i, p.matrix.nFrames, true)
    out.set(new Uint8Array(p.matrix.data.buffer, p.matrix.data.byteOffset, p.matrix.data.byteLength), at)
    at += p.matrix.data.byteLength
  })
  return out
}

/** Reads what `encodeFrames` wrote; a damaged or foreign file is an error. */
export function decodeFrames(bytes: Uint8Array): CachedPiece[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < 16 || view.getUint32(0, true) !== FRAMES_MAGIC) throw new Error('not a feature cache file')
  const count = view.getUint32(4, true)
  const nValues = view.getUint32(8, true)
  // Copy once into an aligned buffer: a Buffer from readFile may start at any offset.
  const aligned = new Uint8Array(bytes.byteLength)
  aligned.set(bytes)
  let at = 16 + 24 * count
  const pieces: CachedPiece[] = []
  for (let i = 0; i < count; i++) {
    const nFrames = view.getUint32(32 + 24 * i, true)
    if (at + 4 * nFrames * nValues > bytes.byteLength) throw new Error('truncated feature cache file')
    pieces.push({
      start: view.getFloat64(16 + 24 * i, true),
      end: view.getFloat64(24 + 24 * i, true),
      matrix: { data: new Float32Array(aligned.buffer, at, nFrames * nValues), nFrames, nValues },
    })
    at += 4 * nFrames * nValues
  }
  return pieces
}

/** Summary vectors of every piece: u32 magic 'EMS1', u32 pieces, u32 values, u32 0, then float64 values. */
export function encodeSummary(rows: readonly Float64Array[], nValues: number): Uint8Array {
  const out = new Uint8Array(16 + 8 * rows.length * nValues)
  const view = new DataView(out.buffer)
  view.setUint32(0, SUMMARY_MAGIC, true)
  view.setUint32(4, rows.length, true)
  view.setUint32(8, nValues, true)
  rows.forEach((row, r) => out.set(new Uint8Array(row.buffer, row.byteOffset, row.byteLength), 16 + 8 * r * nValues))
  return out
}

/** Reads what `encodeSummary` wrote. */
export function decodeSummary(bytes: Uint8Array): { rows: number; nValues: number; values: Float64Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < 16 || view.getUint32(0, true) !== SUMMARY_MAGIC) throw new Error('not a summary cache file')
  const rows = view.getUint32(4, true)
  const nValues = view.getUint32(8, true)
  if (bytes.byteLength < 16 + 8 * rows * nValues) throw new Error('truncated summary cache file')
  const values = new Float64Array(rows * nValues)
  new Uint8Array(values.buffer).set(bytes.subarray(16, 16 + 8 * rows * nValues))
  return { rows, nValues, values }
}

/** Reads a cache file, or undefined when it is absent or unreadable (it is then computed again). */
export async function readCached(path: string): Promise<Uint8Array | undefined> {
  return readFile(path).catch(() => undefined)
}

/** Writes then renames, so a crash never leaves a half-written entry that later reads as valid. */
export async function writeCached(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  await writeFile(temp, bytes)
  await rename(temp, path)
}
