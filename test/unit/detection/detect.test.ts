// Detection with a model trained on clips: a CNN trained on three tone classes slides over a long
// recording of those tones (as files, and over the project's clips as a job) and finds each where it is.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Detection, DetectSummary } from '../../../src/shared/detection'
import type { ClipPage, JobInfo } from '../../../src/shared/domain'
import type { TrainSummary } from '../../../src/shared/evaluation'
import { decodeAudioBytes } from '../../../src/main/core/audio'
import { detectFiles, type FileDetections } from '../../../src/main/core/detection/detect'
import { predictFiles } from '../../../src/main/core/runs'
import { serviceOn } from '../../helpers/service'
import { writeToneClasses } from '../../helpers/tone-classes'
import { encodeWav } from '../../helpers/wav-writer'

/** A CNN small enough to train in seconds on two cores. */
const SMALL_CNN = { epochs: 8, batchSize: 8, filters: [8, 16], denseUnits: 16, patience: null }
const ORDER = ['hum', 'whistle', 'chirp', 'chirp', 'hum', 'whistle', 'hum', 'chirp', 'whistle', 'hum']

/**
 * Tone clips one after another, each padded with silence to 1 s as training padded it: second i
 * of the recording is clip `clips[i]` exactly as the model saw clips.
 */
async function writeLongRecording(path: string, clips: string[]): Promise<void> {
  const samples = new Float32Array(clips.length * 8000)
  for (const [i, file] of clips.entries()) {
    samples.set((await decodeAudioBytes(readFileSync(file))).channels[0] as Float32Array, i * 8000)
  }
  writeFileSync(path, encodeWav([samples], 8000))
}

describe('detection with a model trained on clips', { timeout: 300_000 }, () => {
  // One project for every test (testService's folder goes after each test).
  const t = (() => {
    const dir = mkdtempSync(join(tmpdir(), 'earmark-detect-'))
    return { dir, ...serviceOn(join(dir, 'test.earmark')) }
  })()
  let files: string[]
  let runId: number
  let modelPath: string
  let long: string
  let clips: string[]

  beforeAll(async () => {
    const audio = join(t.dir, 'audio')
    files = writeToneClasses(audio, 16)
    const imported = await t.call<JobInfo>('import:start', { source: audio })
    expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
    const job = await t.call<JobInfo>('train:start', { model: 'cnn', params: SMALL_CNN, seed: 2 })
    const finished = await t.service.jobs.wait(job.id)
    expect(finished.error).toBeNull()
    runId = (await t.call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result.runId
    modelPath = (await t.call<{ modelPath: string }>('runs:get', { id: runId })).modelPath
    long = join(t.dir, 'long', 'long.wav')
    mkdirSync(join(t.dir, 'long'))
    clips = ORDER.map((label, i) => files.filter((f) => f.includes(`/${label}/`))[i] as string)
    await writeLongRecording(long, clips)
  }, 240_000)

  afterAll(async () => {
    await t.service.close()
    rmSync(t.dir, { recursive: true, force: true })
  })

  it('scores each window as the clip it is, in a worker, and reports files it cannot read', async () => {
    const text = join(t.dir, 'notes.wav')
    writeFileSync(text, 'path,label\nyes,a.wav\n'.repeat(20))
    const done: string[] = []
    // Windows of 1 s, 1 s apart: window i is clip i.
    const result = await detectFiles(modelPath, [long, join(t.dir, 'gone.wav'), text], {
      window: { seconds: 1, hop: 1 },
      minGap: 0,
      onFile: (file: FileDetections) => done.push(file.path),
    })
    expect(result.model).toBe('cnn')
    expect(result.classes.sort()).toEqual(['chirp', 'hum', 'whistle'])
    expect(result.window).toEqual({ seconds: 1, hop: 1 })
    const [scanned, gone, notes] = result.files as [FileDetections, FileDetections, FileDetections]
    expect(scanned.error).toBeUndefined()
    expect(scanned.duration).toBe(ORDER.length)
    expect(result.audioSeconds).toBe(ORDER.length)
    expect(gone.error).toMatch(/ENOENT|no such file/)
    expect(notes.error).toMatch(/not audio: the file is text/)
    expect(done.sort()).toEqual([long, join(t.dir, 'gone.wav'), text].sort())

    // Each second's events are the classes the model gives that clip at 0.5 or more, with its probability.
    const predicted = await predictFiles(modelPath, clips)
    ORDER.forEach((_, i) => {
      const probabilities = predicted.predictions[i]!.probabilities
      const expected = Object.entries(probabilities).filter(([, p]) => p >= 0.5)
      const covering = scanned.events.filter((e) => e.start <= i + 0.5 && i + 0.5 <= e.end)
      expect(covering.map((e) => e.label).sort()).toEqual(expected.map(([label]) => label).sort())
      for (const e of covering) {
        // An event of one second is that window's score; a merged one is the best of its windows.
        if (e.end - e.start === 1) expect(e.score).toBeCloseTo(probabilities[e.label]!, 5)
        else expect(e.score).toBeGreaterThanOrEqual(probabilities[e.label]! - 1e-6)
      }
    })

    // The model's own windows (1 s, a quarter of that apart), in this thread as in a worker; a higher threshold keeps fewer.
    const inWorker = await detectFiles(modelPath, [long])
    // 0.25 s rounded to whole log-mel frames (16 of 128 samples), so that windows share them.
    expect(inWorker.window).toEqual({ seconds: 1, hop: 0.256 })
    const here = await detectFiles(modelPath, [long], { workers: 0 })
    expect(here.files[0]!.events).toEqual(inWorker.files[0]!.events)
    for (const e of here.files[0]!.events) {
      expect(e.start).toBeGreaterThanOrEqual(0)
      expect(e.end).toBeLessThanOrEqual(ORDER.length)
      expect(e.score).toBeGreaterThanOrEqual(0.5)
    }
    const strict = await detectFiles(modelPath, [long], { workers: 0, threshold: 0.95 })
    for (const e of strict.files[0]!.events) expect(e.score).toBeGreaterThanOrEqual(0.95)
    const span = (events: readonly { start: number; end: number }[]) => events.reduce((s, e) => s + e.end - e.start, 0)
    expect(span(strict.files[0]!.events)).toBeLessThanOrEqual(span(here.files[0]!.events) + 1e-9)
  })

  it('refuses a folder that is no model, a missing model and bad rules, clearly', async () => {
    await expect(detectFiles(t.dir, [long])).rejects.toThrow(/is not a model: a run folder or an export holds/)
    await expect(detectFiles(join(t.dir, 'nothing'), [long])).rejects.toThrow(/no model at/)
    await expect(detectFiles(modelPath, [long], { threshold: 2 })).rejects.toThrow(/threshold must be between 0 and 1/)
    await expect(detectFiles(modelPath, [long], { minGap: -1 })).rejects.toThrow(/minimum gap/)
  })

  it('detects in the project’s clips as a job, storing detections per run and clip, replacing a rescan’s', async () => {
    const imported = await t.call<JobInfo>('import:start', {
      source: join(t.dir, 'long'),
      labelsFrom: { kind: 'none' },
    })
    expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
    const page = await t.call<ClipPage>('clips:query', { filter: {}, limit: 1000 })
    const longClip = page.rows.find((c) => c.path === long)!
    const job = await t.call<JobInfo>('detections:start', { runId, idempotencyKey: 'detect-1' })
    // The same key gets the same job back.
    expect((await t.call<JobInfo>('detections:start', { runId, idempotencyKey: 'detect-1' })).id).toBe(job.id)
    const finished = await t.service.jobs.wait(job.id)
    expect(finished.state, finished.error ?? '').toBe('done')
    const summary = (await t.call<{ result: DetectSummary }>('jobs:get', { id: job.id })).result
    // The default clips: the run's test clips (3 of 16 per class) and the long recording it never saw.
    expect(summary).toMatchObject({ runId, clips: 10, failed: [] })
    expect(summary.audioSeconds).toBeCloseTo(ORDER.length + 9 * 0.5, 6)
    const stored = await t.call<Detection[]>('detections:list', { clipId: longClip.id, runId })
    const expected = (await detectFiles(modelPath, [long], { workers: 0 })).files[0]!.events
    expect(stored.map(({ label, start, end, score }) => ({ label, start, end, score }))).toEqual(expected)
    expect(stored.every((d) => d.runId === runId && d.clipId === longClip.id && d.review === null)).toBe(true)

    // A rescan of one clip with a higher threshold replaces the run's detections there.
    const again = await t.call<JobInfo>('detections:start', { runId, clipIds: [longClip.id], threshold: 0.99 })
    expect((await t.service.jobs.wait(again.id)).state).toBe('done')
    const replaced = await t.call<Detection[]>('detections:list', { clipId: longClip.id })
    expect(replaced.every((d) => d.score >= 0.99)).toBe(true)
    expect(replaced.length).toBeLessThanOrEqual(stored.length + ORDER.length)
    expect(new Set(replaced.map((d) => d.id)).size).toBe(replaced.length)
    expect(replaced.some((d) => stored.some((s) => s.id === d.id))).toBe(false)

    // Cancelled while its worker loads the model: the job stops and stores nothing more.
    const cancelled = await t.call<JobInfo>('detections:start', { runId, clipIds: [longClip.id] })
    await t.call('jobs:cancel', { id: cancelled.id })
    expect((await t.service.jobs.wait(cancelled.id)).state).toBe('cancelled')
    const after = await t.call<Detection[]>('detections:list', { clipId: longClip.id, runId })
    expect(after.map((d) => d.id)).toEqual(replaced.map((d) => d.id))
    // A run without a saved model is refused at once.
    await expect(t.call('detections:start', { runId: runId + 100 })).rejects.toThrow(/not found/)
  })
})
