// Embeddings on fsdd-dev, speaker-held-out: a CNN trained on george and jackson is the base; the
// third speaker's (lucas's) clips are embedded with it in a project of their own. Search by example
// among them finds the same digit (precision@10 ≥ 0.8), and a linear head trained on 6 labeled
// takes per digit classifies lucas's other takes (≥ 0.85), compared with the same head on the
// project's summary features. Bases that are not embeddings are refused, naming the file.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../src/shared/domain'
import type { EmbedSummary, HeadAnswer, SearchAnswer } from '../../src/shared/embeddings'
import type { TrainSummary } from '../../src/shared/evaluation'
import { defaultFeatureSet, recipeOf } from '../../src/main/core/feature-sets/recipe'
import { loadSummaryFeatures } from '../../src/main/core/runs/features'
import { headClips } from '../../src/main/core/catalog/embeddings'
import { fitHead } from '../../src/main/core/embeddings/head-project'
import { runEarmarkInProcess } from '../helpers/cli-in-process'
import { FSDD_PATTERN, fsddFiles } from '../helpers/fsdd'
import { writeArgmaxOnnx, writeProjectionOnnx } from '../helpers/onnx-models'
import { jobResult, serviceOn } from '../helpers/service'

/** A project of some fsdd recordings (copied into its folder), labeled by their digit. */
async function fsddProject(dir: string, keep: (f: ReturnType<typeof fsddFiles>[number]) => boolean) {
  const audio = join(dir, 'audio')
  mkdirSync(audio, { recursive: true })
  for (const f of fsddFiles().filter(keep)) copyFileSync(f.path, join(audio, basename(f.path)))
  const project = serviceOn(join(dir, 'p.earmark'))
  const job = await project.call<JobInfo>('import:start', {
    source: audio,
    labelsFrom: { kind: 'pattern', pattern: FSDD_PATTERN },
  })
  await jobResult(project, job)
  return project
}

const take = (path: string): number => Number(/_(\d+)\.wav$/.exec(path)?.[1])
const digit = (path: string): string => /(\d)_[a-z]+_\d+\.wav$/.exec(path)?.[1] as string

describe('embeddings on fsdd-dev, speaker held out', { timeout: 1_200_000 }, () => {
  // One folder for the whole file: the projects are built once, before the first test.
  const dir = mkdtempSync(join(tmpdir(), 'earmark-embeddings-'))
  let base: string
  let lucas: ReturnType<typeof serviceOn>
  let clips: { id: number; path: string }[]
  let embedded: EmbedSummary

  beforeAll(async () => {
    // The base: a CNN trained on two speakers.
    const a = await fsddProject(join(dir, 'a'), (f) => f.speaker !== 'lucas')
    // fsdd's own split (takes 0-4 test), not a held-out speaker: the base learns from both.
    const adb = a.service.catalog().db
    const rows = adb.prepare('SELECT id, path FROM clips').all() as { id: number; path: string }[]
    const split = adb.prepare('UPDATE clips SET split = ? WHERE id = ?')
    for (const c of rows) split.run(take(c.path) <= 4 ? 'test' : 'train', c.id)
    const job = await a.call<JobInfo>('train:start', { model: 'cnn', seed: 1, params: { epochs: 25 } })
    const summary = await jobResult<TrainSummary>(a, job)
    const run = await a.call<{ modelPath: string | null }>('runs:get', { id: summary.runId })
    base = run.modelPath as string
    console.log(`base: CNN run ${summary.runId} on george + jackson, test accuracy ${summary.metrics?.accuracy}`)
    await a.service.close()

    lucas = await fsddProject(join(dir, 'b'), (f) => f.speaker === 'lucas')
    const db = lucas.service.catalog().db
    clips = db.prepare('SELECT id, path FROM clips ORDER BY id').all() as { id: number; path: string }[]
    // Takes 0-5 of each digit are the head's labeled examples; every other take is its test.
    const setSplit = db.prepare('UPDATE clips SET split = ? WHERE id = ?')
    for (const c of clips) setSplit.run(take(c.path) <= 5 ? 'train' : 'test', c.id)
    const embed = await lucas.call<JobInfo>('embeddings:start', { base })
    embedded = await jobResult<EmbedSummary>(lucas, embed)
  }, 1_200_000)

  afterAll(async () => {
    await lucas?.service.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('stores vectors once per recording, and reuses them for the same content', async () => {
    expect(embedded.clips).toBe(500)
    // One window per clip, two for the takes longer than the base's window (its feature set's length).
    expect(embedded.embeddings).toBeGreaterThanOrEqual(500)
    expect(embedded.embeddings).toBeLessThan(600)
    expect(embedded.computed).toBe(embedded.embeddings)
    expect(embedded.dims).toBeGreaterThan(8)
    console.log(
      `embedded 500 clips as ${embedded.embeddings} windows of ${embedded.space.window} s into ${embedded.dims} dims in ${embedded.seconds.toFixed(1)} s`,
    )
    const again = await jobResult<EmbedSummary>(lucas, await lucas.call<JobInfo>('embeddings:start', { base }))
    expect(again.computed).toBe(0)
    expect(again.reusedClips).toBe(500)
    expect(again.embeddings).toBe(embedded.embeddings)
  })

  it('search by example finds the same digit: precision@10 ≥ 0.8, the index agreeing with exact search', async () => {
    let hits = 0
    let agree = 0
    let indexMs = 0
    const queries = clips.filter((c) => take(c.path) % 10 === 0)
    for (const q of queries) {
      const indexed = await lucas.call<SearchAnswer>('embeddings:search', { clipId: q.id, top: 10 })
      const exact = await lucas.call<SearchAnswer>('embeddings:search', { clipId: q.id, top: 10, method: 'exact' })
      expect(indexed.results).toHaveLength(10)
      expect(indexed.results.some((r) => r.clipId === q.id)).toBe(false)
      hits += indexed.results.filter((r) => digit(r.path) === digit(q.path)).length
      const exactIds = new Set(exact.results.map((r) => r.clipId))
      agree += indexed.results.filter((r) => exactIds.has(r.clipId)).length
      indexMs += indexed.seconds * 1000
      for (const r of indexed.results) expect(r.label).toBe(digit(r.path))
    }
    const precision = hits / (queries.length * 10)
    const recall = agree / (queries.length * 10)
    console.log(
      `search by example over lucas's 500 clips: precision@10 ${precision.toFixed(3)} (${queries.length} queries), index recall@10 vs exact ${recall.toFixed(3)}, ${(indexMs / queries.length).toFixed(1)} ms a query`,
    )
    expect(precision).toBeGreaterThanOrEqual(0.8)
    expect(recall).toBeGreaterThanOrEqual(0.99)
  })

  it('search from an outside file and a span of it', async () => {
    // The shortest of lucas's threes: one window, so its query vector is its stored window's (a
    // longer take's query is the mean of its windows, which another take's window can be nearer).
    const outside = fsddFiles()
      .filter((f) => f.speaker === 'lucas' && f.digit === '3')
      .map((f) => ({ path: f.path, bytes: statSync(f.path).size }))
      .sort((x, y) => x.bytes - y.bytes)[0]!.path
    const answer = await lucas.call<SearchAnswer>('embeddings:search', { file: outside, top: 10 })
    // The same recording is in the project: its own clip is the nearest.
    expect(basename(answer.results[0]!.path)).toBe(basename(outside))
    expect(answer.results[0]!.score).toBeCloseTo(1, 4)
    expect(answer.results).toHaveLength(10)
    // Its first window alone is exactly the first window stored for that clip.
    const span = await lucas.call<SearchAnswer>('embeddings:search', {
      file: outside,
      start: 0,
      end: answer.space.window,
      top: 5,
    })
    expect(basename(span.results[0]!.path)).toBe(basename(outside))
    expect(span.results[0]!.start).toBe(0)
    expect(span.results[0]!.score).toBeCloseTo(1, 4)
    expect(span.results).toHaveLength(5)
  })

  it('a head on 6 labeled takes per digit classifies the other takes (≥ 0.85), beside the same head on summary features', async () => {
    const head = await lucas.call<HeadAnswer>('embeddings:head', {})
    // The 60 labeled takes' windows (a long take has two); every other take is a test clip.
    expect(head.trainRows).toBeGreaterThanOrEqual(60)
    expect(head.testClips).toBe(440)
    expect(head.trainSeconds).toBeLessThan(5)

    const db = lucas.service.catalog().db
    const set = defaultFeatureSet(db, 'summary')
    const summary = await loadSummaryFeatures(
      { db, projectPath: lucas.service.catalog().path, clipIds: clips.map((c) => c.id) },
      recipeOf(set.name, set.params, { kind: 'summary' }),
      { workers: 1 },
    )
    // Summary features standardised over the clips (embeddings are unit vectors already).
    const d = summary.names.length
    const x = Float32Array.from(summary.x)
    for (let j = 0; j < d; j++) {
      let mean = 0
      let sq = 0
      for (let i = 0; i < summary.rows.length; i++) mean += x[i * d + j]!
      mean /= summary.rows.length
      for (let i = 0; i < summary.rows.length; i++) sq += (x[i * d + j]! - mean) ** 2
      const std = Math.sqrt(sq / summary.rows.length) || 1
      for (let i = 0; i < summary.rows.length; i++) x[i * d + j] = (x[i * d + j]! - mean) / std
    }
    const onSummary = fitHead({ dims: d, x, clipIds: summary.rows.map((r) => clips[r]!.id) }, headClips(db))
    console.log(
      `head on 60 labeled takes of lucas: test accuracy ${head.testAccuracy?.toFixed(3)} on CNN embeddings (${head.trainSeconds.toFixed(2)} s), ${onSummary.testAccuracy?.toFixed(3)} on ${d} summary features (${onSummary.trainSeconds.toFixed(2)} s)`,
    )
    expect(head.testAccuracy).toBeGreaterThanOrEqual(0.85)
  })

  it('the command line: embed, search and head end with their JSON lines', async () => {
    const project = lucas.service.catalog().path
    const embed = await runEarmarkInProcess(['embed', project, '--base', base, '--json'])
    expect(embed.code, embed.err).toBe(0)
    const summary = JSON.parse(embed.out.trim().split('\n').at(-1) as string) as Record<string, unknown>
    expect(Object.keys(summary).slice(0, 3)).toEqual(['embeddings', 'dims', 'seconds'])
    expect(summary).toMatchObject({ embeddings: embedded.embeddings, dims: embedded.dims, computed: 0 })

    const outside = fsddFiles().find((f) => f.speaker === 'lucas' && f.take === 12 && f.digit === '8')!.path
    const search = await runEarmarkInProcess(['search', project, '--like', `${outside}:0-0.4`, '--top', '5', '--json'])
    expect(search.code, search.err).toBe(0)
    const answer = JSON.parse(search.out.trim().split('\n').at(-1) as string) as SearchAnswer
    expect(Object.keys(answer).slice(0, 2)).toEqual(['results', 'seconds'])
    expect(answer.results).toHaveLength(5)
    expect(Object.keys(answer.results[0]!).sort()).toEqual([
      'clipDuration',
      'clipId',
      'end',
      'label',
      'negative',
      'path',
      'score',
      'spanLabel',
      'start',
    ])
    expect(answer.results.filter((r) => r.label === '8').length).toBeGreaterThanOrEqual(4)

    const byClip = await runEarmarkInProcess([
      'search',
      project,
      '--clip',
      String(clips[0]!.id),
      '--base',
      base,
      '--json',
    ])
    expect(byClip.code, byClip.err).toBe(0)
    expect((JSON.parse(byClip.out.trim()) as SearchAnswer).results).toHaveLength(10)

    const misuse = await runEarmarkInProcess(['search', project, '--like', outside, '--clip', '1'])
    expect(misuse.code).toBe(2)
    expect(misuse.err).toMatch(/--like FILE\[:START-END\] or --clip ID/)

    const head = await runEarmarkInProcess(['head', project, '--json'])
    expect(head.code, head.err).toBe(0)
    expect((JSON.parse(head.out.trim()) as HeadAnswer).testClips).toBe(440)
  })

  it('Cancel stops an embed job in its worker and stores nothing of it', async () => {
    const db = lucas.service.catalog().db
    const spaces = db.prepare('SELECT COUNT(*) FROM embedding_spaces').pluck().get()
    const job = await lucas.call<JobInfo>('embeddings:start', { base, window: 0.5, hop: 0.1 })
    await new Promise<void>((resolve) => {
      const stop = lucas.service.events.on('job:progress', (e) => {
        if (e.jobId === job.id && e.done >= 20) {
          stop()
          resolve()
        }
      })
    })
    const asked = performance.now()
    await lucas.call('jobs:cancel', { id: job.id })
    const ended = await lucas.service.jobs.wait(job.id)
    expect(ended.state).toBe('cancelled')
    expect(performance.now() - asked).toBeLessThan(5000)
    expect(db.prepare('SELECT COUNT(*) FROM embedding_spaces').pluck().get()).toBe(spaces)
  })

  it('refuses bases that are not embeddings, naming the file, and stores nothing', async () => {
    const before = lucas.service.catalog().db.prepare('SELECT COUNT(*) FROM embeddings').pluck().get()
    const broken = join(dir, 'broken.onnx')
    writeFileSync(broken, 'not a model')
    await expect(lucas.call('embeddings:start', { base: broken })).rejects.toThrow(
      new RegExp(`${broken}.*does not load as an ONNX model`),
    )
    const argmax = writeArgmaxOnnx(join(dir, 'argmax.onnx'), 8000)
    const job = await lucas.call<JobInfo>('embeddings:start', { base: argmax, sampleRate: 8000 })
    const ended = await lucas.service.jobs.wait(job.id)
    expect(ended.state).toBe('failed')
    expect(ended.error).toMatch(new RegExp(`${argmax}.*int64.*cannot be read as an embedding`))
    await expect(lucas.call('embeddings:start', { base, window: 30 })).rejects.toThrow(/longer than every clip/)
    await expect(lucas.call('embeddings:start', { base: join(dir, 'nothing-here') })).rejects.toThrow(/no model at/)
    expect(lucas.service.catalog().db.prepare('SELECT COUNT(*) FROM embeddings').pluck().get()).toBe(before)
  })

  it('an ONNX base that takes samples: its vectors are the model’s output, normalised', async () => {
    const samples = 4000
    const dims = 16
    const w = Float32Array.from({ length: samples * dims }, (_, i) => Math.sin(i * 12.9898) * 0.1)
    const onnx = writeProjectionOnnx(join(dir, 'projection.onnx'), samples, dims, w)
    const summary = await jobResult<EmbedSummary>(
      lucas,
      await lucas.call<JobInfo>('embeddings:start', { base: onnx, sampleRate: 8000, hop: 0.25 }),
    )
    expect(summary.dims).toBe(dims)
    expect(summary.space.window).toBe(0.5)
    expect(summary.embeddings).toBeGreaterThanOrEqual(500)
    const search = await lucas.call<SearchAnswer>('embeddings:search', { clipId: clips[0]!.id, base: onnx, top: 3 })
    expect(search.space.baseKind).toBe('onnx')
    expect(search.results).toHaveLength(3)
  })
})
