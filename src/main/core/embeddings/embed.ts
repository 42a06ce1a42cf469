// The embed job: every present clip's windows through a base, stored once per content.
import type { Database } from 'better-sqlite3'
import type { EmbedSummary, EmbeddingSpaceInfo } from '@shared/embeddings'
import { EarmarkError } from '../errors'
import { JobCancelledError, type JobContext } from '../jobs/runner'
import { openEmbedder, resolveBase, type EmbeddingBase } from './bases'
import { workerDecoder } from './decode'
import {
  countForContents,
  createSpace,
  embeddedContent,
  findSpace,
  insertWindows,
  presentEmbedClips,
  type EmbedClip,
  type EmbeddingSpace,
  type StoredWindow,
} from '../catalog/embeddings'
import { normalizeInPlace, roundSeconds, windowStarts } from './windows'

/** What to embed with. */
export interface EmbedRequest {
  /** A run id of the project, or a model's folder or file. */
  base: string
  /** Window length, seconds (default: the length the base was made for). */
  window?: number
  /** Hop between windows, seconds (default: half the window). */
  hop?: number
  /** The rate a base that takes samples reads them at (default 16,000 Hz). */
  sampleRate?: number
  /** The base output read as the embedding (default: named like an embedding, else the first). */
  output?: string
}

/** A space as the API shows it. */
export function spaceInfo(space: EmbeddingSpace): EmbeddingSpaceInfo {
  const { id, baseKind, basePath, sampleRate, window, hop, dims, count } = space
  return { id, baseKind, basePath, sampleRate, window, hop, dims, count }
}

/** The window setting of a request against a base, checked against the clips. */
export function windowSetting(
  base: EmbeddingBase,
  request: Pick<EmbedRequest, 'window' | 'hop'>,
  clips: readonly { duration: number }[],
): { window: number; hop: number } {
  const window = roundSeconds(request.window ?? base.defaultWindow)
  const hop = roundSeconds(request.hop ?? window / 2)
  if (!(window > 0 && Math.round(window * base.sampleRate) >= 1)) {
    throw new EarmarkError('invalid-input', `a window of ${window} s holds no sample at ${base.sampleRate} Hz`)
  }
  if (!(hop > 0 && Math.round(hop * base.sampleRate) >= 1)) {
    throw new EarmarkError('invalid-input', `a hop of ${hop} s holds no sample at ${base.sampleRate} Hz`)
  }
  const longest = clips.reduce((m, c) => Math.max(m, c.duration), 0)
  if (request.window !== undefined && clips.length > 0 && window > longest) {
    throw new EarmarkError(
      'invalid-input',
      `--window ${window} s is longer than every clip (the longest is ${longest.toFixed(3)} s): give a window of at most ${longest.toFixed(3)} s, or none to use the base's own (${base.defaultWindow} s)`,
    )
  }
  return { window, hop }
}

/** Windows' vectors of one recording, normalised; throws naming the base where one is not a finite vector. */
export async function embedRecording(
  embedder: {
    embed: (s: Float32Array, starts: readonly number[], w: number) => Promise<{ vectors: Float32Array; dims: number }>
  },
  base: EmbeddingBase,
  samples: Float32Array,
  setting: { window: number; hop: number },
): Promise<{ starts: number[]; vectors: Float32Array[] }> {
  const windowSamples = Math.round(setting.window * base.sampleRate)
  const hopSamples = Math.round(setting.hop * base.sampleRate)
  const starts = windowStarts(samples.length, windowSamples, hopSamples)
  const vectors: Float32Array[] = []
  const BATCH = 256
  for (let i = 0; i < starts.length; i += BATCH) {
    const part = starts.slice(i, i + BATCH)
    const { vectors: flat, dims } = await embedder.embed(samples, part, windowSamples)
    if (dims < 1)
      throw new EarmarkError('invalid-input', `${base.path} gives an empty output: expected a vector per window`)
    for (let w = 0; w < part.length; w++) {
      const v = flat.slice(w * dims, (w + 1) * dims)
      if (!normalizeInPlace(v) && v.some((x) => !Number.isFinite(x))) {
        throw new EarmarkError(
          'invalid-input',
          `${base.path} gives values that are not finite numbers, so its output cannot be read as an embedding`,
        )
      }
      vectors.push(v)
    }
  }
  return { starts, vectors }
}

/** Resolves a request's base and window setting against the project's clips; throws what is wrong before any work. */
export async function checkEmbedRequest(
  db: Database,
  request: EmbedRequest,
): Promise<{ clips: EmbedClip[]; base: EmbeddingBase; setting: { window: number; hop: number } }> {
  const clips = presentEmbedClips(db)
  if (clips.length === 0)
    throw new EarmarkError('invalid-input', 'the project has no clips whose files are present to embed')
  const base = await resolveBase(request.base, {
    db,
    ...(request.sampleRate === undefined ? {} : { sampleRate: request.sampleRate }),
    ...(request.output === undefined ? {} : { output: request.output }),
  })
  return { clips, base, setting: windowSetting(base, request, clips) }
}

/**
 * Embeds every present clip's windows with a base and stores them (in one transaction at the end,
 * so a failed or cancelled job stores nothing). Contents the space already holds are reused, and
 * a recording present twice (copies, moved files) is embedded once.
 */
export async function embedProject(
  db: Database,
  request: EmbedRequest,
  context: Pick<JobContext, 'signal' | 'progress' | 'log'>,
  now: () => Date = () => new Date(),
): Promise<EmbedSummary> {
  const began = performance.now()
  const { clips, base, setting } = await checkEmbedRequest(db, request)
  const key = { baseHash: base.hash, sampleRate: base.sampleRate, ...setting }
  const existing = findSpace(db, key)
  const stored = existing ? embeddedContent(db, existing.id) : new Set<string>()
  const todo = new Map<string, EmbedClip>()
  for (const clip of clips)
    if (!stored.has(clip.contentHash) && !todo.has(clip.contentHash)) todo.set(clip.contentHash, clip)
  const reusedClips = clips.filter((c) => stored.has(c.contentHash)).length
  const failed: EmbedSummary['failed'] = []
  const windows: StoredWindow[] = []
  let dims = existing?.dims ?? 0
  if (todo.size > 0) {
    context.log(
      'info',
      `embedding ${todo.size} recordings with ${base.path} (${setting.window} s windows, hop ${setting.hop} s)`,
    )
    const embedder = await openEmbedder(base, context.signal)
    // The main thread never parses a recording: each is decoded in an audio worker.
    const decoder = workerDecoder(context.signal)
    try {
      let done = 0
      for (const clip of todo.values()) {
        if (context.signal.aborted) throw new JobCancelledError()
        context.progress(done, todo.size, `embedding ${clip.path}`)
        let samples: Float32Array
        try {
          samples = await decoder.decode(clip.path, base.sampleRate)
        } catch (error) {
          if (context.signal.aborted) throw new JobCancelledError()
          failed.push({
            clipId: clip.id,
            path: clip.path,
            reason: error instanceof Error ? error.message : String(error),
          })
          context.log('warn', `skipped ${clip.path}: ${error instanceof Error ? error.message : String(error)}`)
          done++
          continue
        }
        const { starts, vectors } = await embedRecording(embedder, base, samples, setting)
        const width = (vectors[0] as Float32Array).length
        if (dims !== 0 && width !== dims) {
          throw new EarmarkError(
            'invalid-input',
            `${base.path} gives vectors of ${width} values, then of ${dims}: expected one width`,
          )
        }
        dims = width
        const duration = samples.length / base.sampleRate
        starts.forEach((start, w) => {
          const s = roundSeconds(start / base.sampleRate)
          windows.push({
            contentHash: clip.contentHash,
            start: s,
            end: roundSeconds(Math.max(Math.min(s + setting.window, duration), s + 1 / base.sampleRate)),
            vector: vectors[w] as Float32Array,
          })
        })
        done++
      }
      context.progress(done, todo.size, 'storing')
    } catch (error) {
      if (context.signal.aborted) throw new JobCancelledError()
      throw error
    } finally {
      await Promise.all([embedder.close(), decoder.close()])
    }
  }
  if (context.signal.aborted) throw new JobCancelledError()
  let space = existing
  if (windows.length > 0) {
    space = db.transaction(() => {
      const target = findSpace(db, key) ?? createSpace(db, key, { kind: base.kind, path: base.path }, dims, now())
      insertWindows(db, target, windows)
      return target
    })()
  }
  if (!space) {
    throw new EarmarkError(
      'invalid-input',
      `no clip could be read to embed (${failed.length} failed): ${failed[0]?.reason ?? ''}`,
    )
  }
  const fresh = findSpace(db, key) as EmbeddingSpace
  const hashes = [...new Set(clips.map((c) => c.contentHash))]
  const count = countForContents(db, fresh.id, hashes)
  return {
    space: spaceInfo(fresh),
    embeddings: count,
    dims: fresh.dims,
    computed: windows.length,
    reusedClips,
    clips: clips.length,
    failed,
    seconds: (performance.now() - began) / 1000,
  }
}
