// Embeddings: windows, the store and its vector index against exact search, the few-shot head, and
// bases of each kind (a GraphModel that takes audio, a LayersModel, ONNX) embedding a small project.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { insertClip } from '../../../src/main/core/catalog/clips'
import {
  createSpace,
  getSpace,
  insertWindows,
  listSpaces,
  spaceMatrix,
  type StoredWindow,
} from '../../../src/main/core/catalog/embeddings'
import { openCatalog } from '../../../src/main/core/catalog/open'
import { embedProject } from '../../../src/main/core/embeddings/embed'
import { headScores, trainLinearHead } from '../../../src/main/core/embeddings/head'
import { indexNearest } from '../../../src/main/core/embeddings/kept-index'
import { exactNearest, searchEmbeddings } from '../../../src/main/core/embeddings/search'
import { normalizeInPlace, windowStarts } from '../../../src/main/core/embeddings/windows'
import { folderSaver } from '../../../src/main/core/models/deep/io'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { writeAudioGraphModel } from '../../helpers/graph-models'
import { writeProjectionOnnx } from '../../helpers/onnx-models'
import { tempDir } from '../../helpers/temp'
import { encodeWav } from '../../helpers/wav-writer'

const unit = (dims: number, random: () => number): Float32Array => {
  const v = Float32Array.from({ length: dims }, () => random() - 0.5)
  normalizeInPlace(v)
  return v
}

/** A job context that records progress and never cancels (unless its controller is aborted). */
function context(controller = new AbortController()) {
  const logs: string[] = []
  return {
    signal: controller.signal,
    progress: () => undefined,
    log: (_: string, m: string) => void logs.push(m),
    logs,
  }
}

/** A project of tones at 16 kHz: `seconds` long each, `count` of them, with content hashes of their own. */
function toneProject(dir: string, count: number, seconds: number) {
  const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
  for (let i = 0; i < count; i++) {
    const path = join(dir, `tone${i}.wav`)
    const samples = Float32Array.from(
      { length: Math.round(seconds * 16000) },
      (_, t) => 0.5 * Math.sin((2 * Math.PI * (300 + 400 * i) * t) / 16000),
    )
    writeFileSync(path, encodeWav([samples], 16000))
    insertClip(catalog.db, {
      path,
      contentHash: `tone-${i}`,
      duration: seconds,
      sampleRate: 16000,
      channels: 1,
      size: 0,
      codec: 'pcm',
    })
  }
  return catalog
}

describe('windows', () => {
  it('cover every sample, one window for a short recording, none mostly padding', () => {
    expect(windowStarts(100, 400, 200)).toEqual([0])
    expect(windowStarts(400, 400, 200)).toEqual([0])
    expect(windowStarts(1000, 400, 200)).toEqual([0, 200, 400, 600])
    expect(windowStarts(1001, 400, 200)).toEqual([0, 200, 400, 600, 800])
  })
})

describe('the store and its vector index', () => {
  it('the kept index finds what exact search finds, and a failed transaction leaves no space behind', () => {
    const dir = tempDir()
    const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
    const { db } = catalog
    const random = mulberry32(3)
    const dims = 24
    const windows: StoredWindow[] = Array.from({ length: 2000 }, (_, i) => ({
      contentHash: `c${i >> 2}`,
      start: (i & 3) * 0.5,
      end: (i & 3) * 0.5 + 1,
      vector: unit(dims, random),
    }))
    const key = { baseHash: 'b', sampleRate: 16000, window: 1, hop: 0.5 }
    expect(() =>
      db.transaction(() => {
        createSpace(db, key, { kind: 'onnx', path: '/x.onnx' }, dims, new Date())
        insertWindows(db, { id: 1, dims }, windows.slice(0, 10))
        throw new Error('the base failed half-way')
      })(),
    ).toThrow(/half-way/)
    expect(listSpaces(db)).toEqual([])
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'embedding_index_%'").pluck().get()).toBe(0)

    const space = db.transaction(() => {
      const s = createSpace(db, key, { kind: 'onnx', path: '/x.onnx' }, dims, new Date())
      insertWindows(db, s, windows)
      return s
    })()
    const m = spaceMatrix(db, space)
    expect(m.contentHashes).toHaveLength(2000)
    for (let q = 0; q < 20; q++) {
      const query = unit(dims, random)
      const indexed = indexNearest(db, getSpace(db, space.id), query, 10)
      const exact = exactNearest(m.x, dims, query, 10)
      expect(indexed.map((r) => r.id)).toEqual(exact.map((e) => m.ids[e.row]))
      indexed.forEach((r, i) => expect(r.score).toBeCloseTo((exact[i] as { score: number }).score, 5))
    }
    catalog.close()
  })
})

describe('the few-shot head', () => {
  it('learns classes from a few examples, and unlabeled windows as weak negatives lower what is none of them', () => {
    const random = mulberry32(5)
    const dims = 16
    const centres = [0, 1, 2].map(() => unit(dims, random))
    const around = (c: Float32Array): Float32Array => {
      const v = c.map((x) => x + 0.3 * (random() - 0.5))
      normalizeInPlace(v)
      return v
    }
    // Two classes, 5 examples each; a third kind of window, never labeled, 40 times.
    const rows = [
      ...Array.from({ length: 5 }, () => ({ v: around(centres[0] as Float32Array), labels: [0] })),
      ...Array.from({ length: 5 }, () => ({ v: around(centres[1] as Float32Array), labels: [1] })),
      ...Array.from({ length: 40 }, () => ({ v: around(centres[2] as Float32Array), labels: [] as number[] })),
    ]
    const x = new Float32Array(rows.length * dims)
    rows.forEach((r, i) => x.set(r.v, i * dims))
    const labels = rows.map((r) => r.labels)
    const tests = [0, 1, 2].map((c) => around(centres[c] as Float32Array))
    const probe = new Float32Array(3 * dims)
    tests.forEach((v, i) => probe.set(v, i * dims))

    const head = trainLinearHead({ dims, x, labels, classes: ['a', 'b'] })
    const scores = headScores(head, probe)
    // Row-major [probe × class]: a's probe is a, b's is b, the unlabeled kind's is neither.
    expect(scores[0]).toBeGreaterThan(0.5)
    expect(scores[1]).toBeLessThan(0.5)
    expect(scores[2]).toBeLessThan(0.5)
    expect(scores[3]).toBeGreaterThan(0.5)
    expect(scores[4]).toBeLessThan(0.5)
    expect(scores[5]).toBeLessThan(0.5)
    // Without the weak negatives the unlabeled kind scores higher for the class it is nearest.
    const without = trainLinearHead({ dims, x, labels, classes: ['a', 'b'] }, { weakNegativeWeight: 0 })
    const loose = headScores(without, probe)
    expect(Math.max(loose[4] as number, loose[5] as number)).toBeGreaterThan(
      Math.max(scores[4] as number, scores[5] as number),
    )
  })
})

describe('bases', { timeout: 120_000 }, () => {
  it('a GraphModel that takes audio (YAMNet-style): one vector per window, averaged over its frames', async () => {
    const dir = tempDir()
    const graph = join(dir, 'graph')
    writeAudioGraphModel(graph, 400, 2, 8)
    const catalog = toneProject(dir, 3, 2)
    const summary = await embedProject(catalog.db, { base: graph, window: 0.5, hop: 0.25 }, context())
    expect(summary.space.baseKind).toBe('tfjs-graph')
    expect(summary.dims).toBe(16)
    // 2 s at 0.5 s windows, 0.25 s hop: 7 windows each.
    expect(summary.embeddings).toBe(21)
    // Each tone's windows are most like its own other windows.
    const answer = await searchEmbeddings(catalog.db, { clipId: 2, start: 0, end: 0.5 }, { top: 3 })
    expect(answer.results.map((r) => r.clipId)).toEqual([2, 2, 2])
    catalog.close()
  })

  it('a long recording: windows embedded in batches equal the same span embedded alone', async () => {
    const dir = tempDir()
    const graph = join(dir, 'graph')
    writeAudioGraphModel(graph, 400, 2, 8)
    const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
    // 75 s of a slow chirp: every window has its own pitch (300 windows, past one batch of 256).
    const seconds = 75
    const path = join(dir, 'chirp.wav')
    let phase = 0
    const samples = Float32Array.from({ length: seconds * 16000 }, (_, t) => {
      phase += (2 * Math.PI * (100 + (3000 * t) / (seconds * 16000))) / 16000
      return 0.5 * Math.sin(phase)
    })
    writeFileSync(path, encodeWav([samples], 16000))
    insertClip(catalog.db, {
      path,
      contentHash: 'chirp',
      duration: seconds,
      sampleRate: 16000,
      channels: 1,
      size: 0,
      codec: 'pcm',
    })
    const summary = await embedProject(catalog.db, { base: graph, window: 0.5, hop: 0.25 }, context())
    expect(summary.embeddings).toBe(299)
    const answer = await searchEmbeddings(catalog.db, { file: path, start: 70, end: 70.5 }, { top: 1 })
    expect(answer.results[0]).toMatchObject({ clipId: 1, start: 70, end: 70.5 })
    expect(answer.results[0]?.score).toBeCloseTo(1, 5)
    catalog.close()
  })

  it("a LayersModel that takes samples: its penultimate layer's output", async () => {
    const dir = tempDir()
    const folder = join(dir, 'layers')
    const input = tf.input({ shape: [800] })
    const hidden = tf.layers.dense({
      units: 6,
      activation: 'tanh',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    })
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 2 }).apply(hidden.apply(input)) as tf.SymbolicTensor,
    })
    await model.save(folderSaver(folder))
    const catalog = toneProject(dir, 2, 0.05)
    const summary = await embedProject(catalog.db, { base: folder }, context())
    expect(summary.space.baseKind).toBe('tfjs-layers')
    expect(summary.dims).toBe(6)
    expect(summary.space.window).toBe(0.05)
    expect(summary.embeddings).toBe(2)
    catalog.close()
  })

  it('an ONNX base: the model’s output, unit length; a copied recording reuses its vectors', async () => {
    const dir = tempDir()
    const samples = 8000
    const w = Float32Array.from({ length: samples * 4 }, (_, i) => Math.cos(i * 0.37))
    const onnx = writeProjectionOnnx(join(dir, 'p.onnx'), samples, 4, w)
    const catalog = toneProject(dir, 2, 1)
    const first = await embedProject(catalog.db, { base: onnx }, context())
    expect(first.space.window).toBe(0.5)
    expect(first.computed).toBe(2 * 3)
    const m = spaceMatrix(catalog.db, listSpaces(catalog.db)[0] as { id: number; dims: number })
    for (let r = 0; r < 6; r++) {
      let norm = 0
      for (let j = 0; j < 4; j++) norm += (m.x[r * 4 + j] as number) ** 2
      expect(norm).toBeCloseTo(1, 5)
    }
    insertClip(catalog.db, {
      path: join(dir, 'copy.wav'),
      contentHash: 'tone-0',
      duration: 1,
      sampleRate: 16000,
      channels: 1,
      size: 0,
      codec: 'pcm',
    })
    const again = await embedProject(catalog.db, { base: onnx }, context())
    expect(again.computed).toBe(0)
    expect(again.reusedClips).toBe(3)
    // Stored once per recording: the copy's clip has the same 3 vectors.
    expect(again.embeddings).toBe(6)
    catalog.close()
  })

  it('a cancelled job stores nothing', async () => {
    const dir = tempDir()
    const onnx = writeProjectionOnnx(join(dir, 'p.onnx'), 1600, 4, new Float32Array(1600 * 4).fill(0.01))
    const catalog = toneProject(dir, 4, 0.5)
    const controller = new AbortController()
    controller.abort()
    await expect(embedProject(catalog.db, { base: onnx }, context(controller))).rejects.toThrow(/cancelled/)
    expect(listSpaces(catalog.db)).toEqual([])
    catalog.close()
  })
})
