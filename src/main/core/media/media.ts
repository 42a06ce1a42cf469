import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { parseSpectrogramQuery, type SpectrogramRequest } from '@shared/spectrogram'
import { clipFileFacts } from '../catalog/clips'
import type { Catalog } from '../catalog/open'

/** What a media request resolves to: a file to stream (with range support), bytes, or nothing. */
export type MediaResponse =
  | { kind: 'file'; path: string; contentType: string }
  | { kind: 'bytes'; body: Uint8Array; contentType: string }
  | { kind: 'not-found' }
  | { kind: 'bad-request'; message: string }

/** What media needs from the studio. */
export interface MediaSource {
  catalog(): Catalog
  /** Computes a clip file's peaks (in a worker). */
  peaks(path: string): Promise<{ peaks: Float32Array; duration: number }>
  /** Computes one window of a clip file's spectrogram as `@shared/spectrogram` bytes (in a worker). */
  spectrogram(path: string, request: SpectrogramRequest): Promise<Uint8Array>
  /** Serves `features/<id>?set=&kind=` and `preprocessed/<id>?set=` (core/feature-sets/media.ts); absent: not found. */
  featureMedia?(route: 'features' | 'preprocessed', clipId: number, query: URLSearchParams): Promise<MediaResponse>
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

/** The MIME type of a catalogued codec (`PCM 16-bit`, `float 32-bit`, `FLAC`, `MP3`, `Vorbis`, `Opus`). */
function contentTypeOfCodec(codec: string | undefined): string | undefined {
  if (!codec) return undefined
  if (/^(PCM|float) /.test(codec)) return 'audio/wav'
  return { FLAC: 'audio/flac', MP3: 'audio/mpeg', Vorbis: 'audio/ogg', Opus: 'audio/ogg' }[codec]
}

/**
 * Resolves the media paths both transports serve against the open project: `clip/<id>` for the
 * audio, `peaks/<id>` for the waveform outline, and
 * `spectrogram/<id>?start=&end=&cols=&rows=&nfft=&scale=linear|mel&fmax=` for one window of the
 * spectrogram; `features/<id>?set=&kind=` and `preprocessed/<id>?set=` for a clip under a
 * feature set. Only clips of the project resolve: no request can name an arbitrary file.
 */
export async function resolveMedia(source: MediaSource, pathname: string): Promise<MediaResponse> {
  const queryAt = pathname.indexOf('?')
  const query = queryAt < 0 ? '' : pathname.slice(queryAt + 1)
  const match = /^\/?(clip|peaks|spectrogram|features|preprocessed)\/(\d{1,15})$/.exec(
    queryAt < 0 ? pathname : pathname.slice(0, queryAt),
  )
  if (!match) return { kind: 'not-found' }
  const [, kind, id] = match
  const catalog = source.catalog()
  const clip = clipFileFacts(catalog.db, Number(id))
  if (!clip) return { kind: 'not-found' }
  const path = clip.path
  if (kind === 'clip') {
    // The type comes from the codec import found in the bytes, not from the name (an MP3 saved as
    // .wav is served as audio/mpeg); the extension is the fallback for rows without a codec.
    const contentType =
      contentTypeOfCodec(clip.codec ?? undefined) ??
      CONTENT_TYPES[extname(path).toLowerCase()] ??
      'application/octet-stream'
    return { kind: 'file', path, contentType }
  }
  if (kind === 'features' || kind === 'preprocessed') {
    return source.featureMedia
      ? source.featureMedia(kind, Number(id), new URLSearchParams(query))
      : { kind: 'not-found' }
  }
  if (kind === 'spectrogram') {
    const request = parseSpectrogramQuery(query)
    if ('error' in request) return { kind: 'bad-request', message: `Bad spectrogram request: ${request.error}.` }
    return { kind: 'bytes', body: await source.spectrogram(path, request), contentType: 'application/octet-stream' }
  }
  const body = await cachedPeaks(catalog.path, clip.contentHash, () => source.peaks(path))
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
