/**
 * Search by example over 100,000 stored windows, at 128, 512 and 1280 values a vector (1280:
 * Perch-sized): top-10 latency through the kept index (bits in memory, then the candidates'
 * stored vectors scored exactly; see src/main/core/embeddings/binary-index.ts), through the
 * vectors in a sqlite-vec vec0 table (a brute-force scan of the float vectors in C), and through exact
 * search (every stored vector compared in TypeScript, the reference), with the kept index's and
 * vec0's recall@10 against exact search; also a few-shot head's training time on 1,500 clips'
 * embeddings. Goals: top-10 < 50 ms, head < 5 s. Latency is over both sets of queries (below).
 *
 * The vectors are generated: 100 clusters of unit vectors with noise, as windows of 10,000
 * recordings, written to a real project catalog with the embeddings store.
 */
import { rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCatalog } from '../src/main/core/catalog/open'
import { trainLinearHead } from '../src/main/core/embeddings/head'
import { exactNearest } from '../src/main/core/embeddings/search'
import { indexNearest, keptIndex } from '../src/main/core/embeddings/kept-index'
import {
  createSpace,
  getSpace,
  insertWindows,
  spaceMatrix,
  type StoredWindow,
} from '../src/main/core/catalog/embeddings'
import { normalizeInPlace } from '../src/main/core/embeddings/windows'
import { finish, median } from './report'
import { vec0Nearest, vec0Table } from './vec0'

const WINDOWS = 100_000
const QUERIES = 50
const CLUSTERS = 100

/** A seeded generator (mulberry32), so every run stores the same vectors. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const centresOf = (dims: number, rand: () => number): Float32Array =>
  Float32Array.from({ length: CLUSTERS * dims }, () => rand() - 0.5)

function clustered(
  n: number,
  dims: number,
  rand: () => number,
  centres = centresOf(dims, rand),
): { x: Float32Array; cluster: Int32Array } {
  const x = new Float32Array(n * dims)
  const cluster = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * CLUSTERS)
    cluster[i] = c
    const v = x.subarray(i * dims, (i + 1) * dims)
    for (let j = 0; j < dims; j++) v[j] = (centres[c * dims + j] as number) + 0.6 * (rand() - 0.5)
    normalizeInPlace(v)
  }
  return { x, cluster }
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

const figures: Record<string, number> = {}
const dir = mkdtempSync(join(tmpdir(), 'earmark-search-bench-'))
try {
  for (const dims of [128, 512, 1280]) {
    const rand = random(dims)
    const catalog = openCatalog(join(dir, `d${dims}.earmark`), { create: true, name: 'bench' })
    const db = catalog.db
    const centres = centresOf(dims, rand)
    const { x } = clustered(WINDOWS, dims, rand, centres)
    const windows: StoredWindow[] = Array.from({ length: WINDOWS }, (_, i) => ({
      contentHash: `recording-${Math.floor(i / 10)}`,
      start: (i % 10) * 0.5,
      end: (i % 10) * 0.5 + 1,
      vector: x.subarray(i * dims, (i + 1) * dims),
    }))
    let t = performance.now()
    const space = db.transaction(() => {
      const s = createSpace(
        db,
        { baseHash: 'generated', sampleRate: 16000, window: 1, hop: 0.5 },
        { kind: 'onnx', path: 'generated' },
        dims,
        new Date(),
      )
      insertWindows(db, s, windows)
      return s
    })()
    const storeSeconds = (performance.now() - t) / 1000
    const stored = getSpace(db, space.id)
    // Queries like the stored windows (from the same clusters, as a query from a project's clip
    // is), and queries like nothing stored (other clusters: their nearest are at cosine ~0.3).
    const querySets = {
      like: clustered(QUERIES, dims, rand, centres).x,
      unlike: clustered(QUERIES, dims, rand).x,
    }
    const indexMs: number[] = []
    const vec0Ms: number[] = []
    const exactMs: number[] = []
    t = performance.now()
    keptIndex(db, stored)
    const buildSeconds = (performance.now() - t) / 1000
    t = performance.now()
    const m = spaceMatrix(db, space)
    const loadSeconds = (performance.now() - t) / 1000
    const vec0 = vec0Table(db, space)
    const recall: Record<string, number> = {}
    for (const [set, queries] of Object.entries(querySets)) {
      let agree = 0
      let vec0Agree = 0
      for (let q = 0; q < QUERIES; q++) {
        const query = queries.subarray(q * dims, (q + 1) * dims)
        t = performance.now()
        const near = indexNearest(db, stored, query, 10)
        indexMs.push(performance.now() - t)
        t = performance.now()
        const scanned = vec0Nearest(db, vec0, query, 10)
        vec0Ms.push(performance.now() - t)
        t = performance.now()
        const exact = exactNearest(m.x, dims, query, 10)
        exactMs.push(performance.now() - t)
        const exactIds = new Set(exact.map((e) => m.ids[e.row]))
        agree += near.filter((r) => exactIds.has(r.id)).length
        vec0Agree += scanned.filter((r) => exactIds.has(r.id)).length
      }
      recall[set] = agree / (QUERIES * 10)
      recall[`vec0${set}`] = vec0Agree / (QUERIES * 10)
    }
    console.log(
      `${WINDOWS} windows × ${dims} dims: stored in ${storeSeconds.toFixed(1)} s; top-10 by the kept index median ${median(indexMs).toFixed(1)} ms (p95 ${percentile(indexMs, 0.95).toFixed(1)}, after ${buildSeconds.toFixed(2)} s building it), recall@10 vs exact ${recall['like']?.toFixed(3)} for queries like the stored windows, ${recall['unlike']?.toFixed(3)} for queries like none; by vec0 median ${median(vec0Ms).toFixed(1)} ms (p95 ${percentile(vec0Ms, 0.95).toFixed(1)}), recall@10 ${recall['vec0like']?.toFixed(3)} / ${recall['vec0unlike']?.toFixed(3)}; exact median ${median(exactMs).toFixed(1)} ms (p95 ${percentile(exactMs, 0.95).toFixed(1)}, after ${loadSeconds.toFixed(2)} s reading the vectors)`,
    )
    Object.assign(figures, {
      [`d${dims}StoreSeconds`]: storeSeconds,
      [`d${dims}IndexBuildSeconds`]: buildSeconds,
      [`d${dims}IndexTop10MedianMs`]: median(indexMs),
      [`d${dims}IndexTop10P95Ms`]: percentile(indexMs, 0.95),
      [`d${dims}IndexRecallAt10Like`]: recall['like'],
      [`d${dims}IndexRecallAt10Unlike`]: recall['unlike'],
      [`d${dims}Vec0Top10MedianMs`]: median(vec0Ms),
      [`d${dims}Vec0Top10P95Ms`]: percentile(vec0Ms, 0.95),
      [`d${dims}Vec0RecallAt10`]: ((recall['vec0like'] as number) + (recall['vec0unlike'] as number)) / 2,
      [`d${dims}ExactTop10MedianMs`]: median(exactMs),
      [`d${dims}ExactTop10P95Ms`]: percentile(exactMs, 0.95),
      [`d${dims}ExactLoadSeconds`]: loadSeconds,
    })
    catalog.close()
  }

  // A head on 1,500 clips' embeddings (512 values, 10 classes, the rest of 500 unlabeled as weak negatives).
  const rand = random(7)
  const { x, cluster } = clustered(2000, 512, rand)
  const labels = Array.from(cluster, (c, i) => (i < 1500 ? [c % 10] : []))
  const head = trainLinearHead({ dims: 512, x, labels, classes: Array.from({ length: 10 }, (_, i) => `${i}`) })
  console.log(
    `head on 1,500 labeled + 500 unlabeled windows of 512 values, 10 classes: trained in ${head.seconds.toFixed(2)} s`,
  )
  figures['headTrainSeconds'] = head.seconds

  await finish('search', {
    machine: {
      engine: `the kept index (bits about the space's mean in memory, Hamming scan, exact rescoring of the candidates' stored vectors) in TypeScript on Node ${process.version}; sqlite-vec vec0 (float, cosine) in better-sqlite3; exact search and the head in TypeScript`,
      reference: null,
      parallelism: 'one thread',
    },
    figures,
    ratios: {},
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
