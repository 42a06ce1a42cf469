import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { clipPath } from '../catalog/clips'
import type { Catalog } from '../catalog/open'

/** What a media request resolves to: a file to stream (with range support), bytes, or nothing. */
export type MediaResponse =
  | { kind: 'file'; path: string; contentType: string }
  | { kind: 'bytes'; body: Uint8Array; contentType: string }
  | { kind: 'not-found' }

/** What media needs from the studio. */
export interface MediaSource {
  catalog(): Catalog
  /** Computes a clip file's peaks (in a worker). */
  peaks(path: string): Promise<{ peaks: Float32Array; duration: number }>
}

const CONTENT_TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.wave': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
}

/**
 * Resolves the media paths both transports serve (`clip/<id>` for the audio, `peaks/<id>` for the
 * waveform outline) against the open project. Only clips of the project resolve: no request can
 * name an arbitrary file.
 */
export async function resolveMedia(source: MediaSource, pathname: string): Promise<MediaResponse> {
  const match = /^\/?(clip|peaks)\/(\d{1,15})$/.exec(pathname)
  if (!match) return { kind: 'not-found' }
  const [, kind, id] = match
  const catalog = source.catalog()
  const path = clipPath(catalog.db, Number(id))
  if (!path) return { kind: 'not-found' }
  if (kind === 'clip') {
    return { kind: 'file', path, contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' }
  }
  const hash = catalog.db.prepare('SELECT content_hash FROM clips WHERE id = ?').pluck().get(Number(id)) as string
  const body = await cachedPeaks(catalog.path, hash, () => source.peaks(path))
  return { kind: 'bytes', body, contentType: 'application/octet-stream' }
}

/**
 * Peaks live beside the project in `<project>.cache/peaks/<content hash>.f32`, as little-endian
 * float32 with the duration (float64) first: computed once per content, shared by every window.
 */
async function cachedPeaks(
  projectPath: string,
  hash: string,
  compute: () => Promise<{ peaks: Float32Array; duration: number }>,
): Promise<Uint8Array> {
  const dir = join(`${projectPath}.cache`, 'peaks')
  const file = join(dir, `${hash}.f32`)
  const cached = await readFile(file).catch(() => undefined)
  if (cached && cached.length >= 8) return cached
  const { peaks, duration } = await compute()
  const body = new Uint8Array(8 + peaks.byteLength)
  new DataView(body.buffer).setFloat64(0, duration, true)
  body.set(new Uint8Array(peaks.buffer, peaks.byteOffset, peaks.byteLength), 8)
  await mkdir(dir, { recursive: true })
  // Write then rename: a crash never leaves a half-written cache entry that later reads as valid.
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, body)
  await rename(temp, file)
  return body
}
