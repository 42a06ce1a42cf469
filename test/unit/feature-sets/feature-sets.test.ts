import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeFeatureImage } from '../../../src/shared/feature-sets'
import { addClass } from '../../../src/main/core/catalog/classes'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { insertFeatureSetRow } from '../../../src/main/core/catalog/feature-sets'
import { addClipLabel } from '../../../src/main/core/catalog/labels'
import { openCatalog, type Catalog } from '../../../src/main/core/catalog/open'
import { loadAudio } from '../../../src/main/core/audio'
import {
  extractFeatures,
  resolveFeatureConfig,
  summaryVector,
  type FeatureConfigInput,
} from '../../../src/main/core/features'
import {
  cacheRoot,
  computeClipFeatures,
  createFeatureSet,
  getFeatureSet,
  listFeatureSets,
  loadFeatureMatrix,
  removeFeatureSet,
  updateFeatureSet,
  writeSummaryCsv,
  type ClipFeatureTask,
} from '../../../src/main/core/feature-sets'
import { encodeWav, tone } from '../../helpers/wav-writer'
import { testService } from '../../helpers/service'
import { tempDir } from '../../helpers/temp'

const SR = 8000

/** A project with three labelled tone clips of different lengths on disk. */
function project(): { catalog: Catalog; clipIds: number[]; paths: string[] } {
  const dir = tempDir()
  const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
  const high = addClass(catalog.db, { name: 'high' }).id
  const low = addClass(catalog.db, { name: 'low' }).id
  const specs = [
    { name: 'a.wav', seconds: 0.5, f: 880, cls: high },
    { name: 'b,c.wav', seconds: 0.8, f: 220, cls: low },
    { name: 'd.wav', seconds: 1.1, f: 440, cls: high },
  ]
  const paths: string[] = []
  const clipIds = specs.map((s, i) => {
    const path = join(dir, s.name)
    writeFileSync(path, encodeWav([tone(s.seconds, SR, s.f, 0.3)], SR, 'pcm16'))
    paths.push(path)
    const id = insertClip(catalog.db, {
      path,
      contentHash: `content${i}`,
      duration: s.seconds,
      sampleRate: SR,
      channels: 1,
      size: 0,
      codec: 'PCM 16-bit',
      split: i === 2 ? 'test' : 'train',
    })
    addClipLabel(catalog.db, id, s.cls, 'test')
    return id
  })
  afterEach(() => catalog.close())
  return { catalog, clipIds, paths }
}

const CONFIG: FeatureConfigInput = {
  sampleRate: SR,
  nFft: 256,
  hop: 64,
  nMels: 32,
  nMfcc: 13,
  features: ['logmel', 'mfcc', 'rms'],
}

/** The cache's entries, as `kind/key` folders. */
const entries = (catalog: Catalog, kind: string): string[] => {
  const dir = join(cacheRoot(catalog.path), kind)
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

/** computeClipFeatures, counting the clips that needed work. */
function counting() {
  const counts = { calls: 0, computed: 0 }
  const compute = async (task: ClipFeatureTask) => {
    counts.calls++
    const result = await computeClipFeatures(task)
    if (result.computed) counts.computed++
    return result
  }
  return { counts, compute }
}

describe('feature sets in the catalog', () => {
  it('store the complete parameters with a stable hash; the same parameters, however written, hash alike', () => {
    const { catalog } = project()
    const a = createFeatureSet(catalog.db, { name: 'mfcc', config: { sampleRate: SR, nFft: 256 } })
    const b = createFeatureSet(catalog.db, {
      name: 'mfcc again',
      pipeline: [],
      config: { nFft: 256, sampleRate: SR, hop: 64, nMels: 128, stats: ['mean', 'std', 'min', 'max'] },
    })
    expect(a.paramsHash).toMatch(/^[0-9a-f]{16}$/)
    expect(b.paramsHash).toBe(a.paramsHash)
    expect(a.config).toMatchObject({ nFft: 256, hop: 64, winLength: 256, fmax: SR / 2, nMfcc: 20 })
    const c = updateFeatureSet(catalog.db, b.id, { pipeline: [{ step: 'trim' }] })
    expect(c.paramsHash).not.toBe(a.paramsHash)
    expect(c.pipeline).toEqual([{ step: 'trim', topDb: 60, frameLength: 2048, hop: 512, edges: 'librosa' }])
    expect(getFeatureSet(catalog.db, 'MFCC').id).toBe(a.id)
    expect(() => createFeatureSet(catalog.db, { name: 'Mfcc' })).toThrow(/already exists/)
    expect(() => createFeatureSet(catalog.db, { name: 'bad', config: { nFft: 1 } })).toThrow(/nFft/)
    expect(() =>
      createFeatureSet(catalog.db, { name: 'bad', config: { sampleRate: 8000, features: ['spectral_contrast'] } }),
    ).toThrow(/Nyquist/)
    // A set stored under other rules still lists, as stored, so it can be fixed or deleted.
    insertFeatureSetRow(catalog.db, { name: 'old', pipeline: '[]', config: '{"nFft": 1}', paramsHash: 'x' })
    expect(listFeatureSets(catalog.db).find((s) => s.name === 'old')).toMatchObject({
      config: { nFft: 1 },
      summaryNames: [],
    })
    expect(() => updateFeatureSet(catalog.db, getFeatureSet(catalog.db, 'old').id, { name: 'older' })).toThrow(/nFft/)
    removeFeatureSet(catalog.db, getFeatureSet(catalog.db, 'old').id)
    removeFeatureSet(catalog.db, a.id)
    expect(listFeatureSets(catalog.db).map((s) => s.name)).toEqual(['mfcc again'])
  })
})

describe('loadFeatureMatrix', () => {
  it("gives each clip's summary vector as extractFeatures + summaryVector would, and reads it from the cache the second time", async () => {
    const { catalog, clipIds, paths } = project()
    const set = createFeatureSet(catalog.db, { name: 's', config: CONFIG })
    const { counts, compute } = counting()
    const m = await loadFeatureMatrix(catalog, set.id, clipIds, 'summary', { compute })
    expect(m.kind).toBe('summary')
    if (m.kind !== 'summary') return
    expect(m.nRows).toBe(3)
    expect(m.names).toEqual(set.summaryNames)
    expect(m.names).toContain('mfcc_3_mean')
    expect(m.names).toContain('rms_max')
    expect(Array.from(m.rowClipIds)).toEqual(clipIds)
    const c = resolveFeatureConfig(CONFIG)
    for (const [r, path] of paths.entries()) {
      const audio = await loadAudio(path, { mono: true })
      const expected = summaryVector(extractFeatures(audio.channels[0]!, SR, c), c).values
      expect(Array.from(m.data.subarray(r * m.nCols, (r + 1) * m.nCols))).toEqual(Array.from(expected))
    }
    expect(counts.computed).toBe(3)
    const again = await loadFeatureMatrix(catalog, 's', clipIds, 'summary', { compute })
    expect(counts.computed).toBe(3)
    expect(Array.from(again.data)).toEqual(Array.from(m.data))
  })

  it('recomputes only what a changed parameter touches: statistics reuse frames, n_mfcc keeps the log-mel', async () => {
    const { catalog, clipIds } = project()
    const set = createFeatureSet(catalog.db, { name: 's', config: CONFIG })
    await loadFeatureMatrix(catalog, set.id, clipIds, 'summary')
    const frames = entries(catalog, 'features')
    const summaries = entries(catalog, 'summary')
    expect(frames).toHaveLength(3)
    expect(summaries).toHaveLength(3)

    updateFeatureSet(catalog.db, set.id, { config: { ...CONFIG, stats: ['mean', 'p90'] } })
    const stats = await loadFeatureMatrix(catalog, set.id, clipIds, 'summary')
    expect(entries(catalog, 'features')).toEqual(frames)
    expect(entries(catalog, 'summary')).toHaveLength(6)
    expect(stats.kind === 'summary' && stats.names.slice(0, 2)).toEqual(['logmel_0_mean', 'logmel_0_p90'])

    updateFeatureSet(catalog.db, set.id, { config: { ...CONFIG, nMfcc: 8 } })
    await loadFeatureMatrix(catalog, set.id, clipIds, 'summary')
    const after = entries(catalog, 'features')
    expect(after).toHaveLength(4)
    expect(after.filter((k) => !frames.includes(k))).toHaveLength(1)
  })

  it('gives frame sequences and fixed-size images with their shapes', async () => {
    const { catalog, clipIds } = project()
    const set = createFeatureSet(catalog.db, { name: 's', config: CONFIG })
    const seq = await loadFeatureMatrix(catalog, set.id, clipIds, 'sequence')
    if (seq.kind !== 'sequence') throw new Error('not a sequence')
    expect(seq.nCols).toBe(32 + 13 + 1)
    expect(seq.names.slice(30, 34)).toEqual(['logmel_30', 'logmel_31', 'mfcc_0', 'mfcc_1'])
    // centred frames: 1 + floor(n / hop)
    expect(Array.from(seq.offsets)).toEqual([0, 63, 63 + 101, 63 + 101 + 138])
    const image = await loadFeatureMatrix(catalog, set.id, clipIds, 'image', { frames: 100 })
    if (image.kind !== 'image') throw new Error('not an image')
    expect([image.nRows, image.nFrames, image.nValues]).toEqual([3, 100, 32])
    // Row 0 (63 frames) is padded with its own minimum; frame 0 matches the sequence's.
    const row0 = image.data.subarray(0, 100 * 32)
    expect(Array.from(row0.subarray(0, 32))).toEqual(Array.from(seq.data.subarray(0, 32)))
    expect(row0[99 * 32]).toBe(Math.min(...row0.subarray(0, 63 * 32)))
    await expect(loadFeatureMatrix(catalog, set.id, clipIds, 'image', { feature: 'chroma' })).rejects.toThrow(/chroma/)
  })

  it('gives one row per piece when the pipeline segments, with where each piece came from', async () => {
    const { catalog, clipIds } = project()
    const set = createFeatureSet(catalog.db, {
      name: 'windows',
      pipeline: [{ step: 'segment', mode: 'fixed', window: 0.25 }],
      config: CONFIG,
    })
    const m = await loadFeatureMatrix(catalog, set.id, clipIds, 'summary')
    // 0.5 s: 2 windows; 0.8 s: 3 + a padded one; 1.1 s: 4 + a padded one.
    expect(Array.from(m.rowClipIds)).toEqual([1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3].map((i) => clipIds[i - 1]))
    expect(Array.from(m.rowStarts.subarray(0, 3))).toEqual([0, 0.25, 0])
    const out = join(tempDir(), 'summary.csv')
    if (m.kind !== 'summary') throw new Error('not a summary')
    expect(await writeSummaryCsv(catalog, m, out)).toBe(11)
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(Object.keys(rows[0]!).slice(0, 6)).toEqual(['path', 'label', 'split', 'start', 'end', 'logmel_0_mean'])
    expect(rows.map((r) => [basename(r['path']!), r['label'], r['split'], r['start']])[2]).toEqual([
      'b,c.wav',
      'low',
      'train',
      '0',
    ])
    expect(Number(rows[3]!['rms_max'])).toBe(m.data[3 * m.nCols + m.nCols - 1])
  })

  it('stops computing when its signal aborts, keeping what was cached', async () => {
    const { catalog, clipIds } = project()
    const controller = new AbortController()
    const { counts, compute } = counting()
    await expect(
      loadFeatureMatrix(catalog, { config: CONFIG }, clipIds, 'summary', {
        compute,
        concurrency: 1,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    ).rejects.toMatchObject({ code: 'cancelled' })
    expect(counts.calls).toBe(1)
    await loadFeatureMatrix(catalog, { config: CONFIG }, clipIds, 'summary', { compute })
    expect(counts.computed).toBe(3)
    expect(counts.calls).toBe(4)
  })

  it('lists a clip that cannot be read as failed and gives the rest', async () => {
    const { catalog, clipIds, paths } = project()
    writeFileSync(paths[1]!, 'not audio')
    const m = await loadFeatureMatrix(catalog, { config: CONFIG }, clipIds, 'summary')
    expect(m.nRows).toBe(2)
    expect(m.failed).toEqual([{ clipId: clipIds[1], path: paths[1], reason: expect.any(String) }])
  })
})

describe('the studio service', () => {
  it('computes a set as a job on its workers, then serves the clip view and its media', async () => {
    const { service, dispatch, dir } = testService()
    try {
      const clipPath = join(dir, 'noisy.wav')
      writeFileSync(clipPath, encodeWav([tone(1, SR, 440, 0.3)], SR, 'pcm16'))
      const created = await dispatch('featureSets:create', {
        name: 'denoised',
        pipeline: [{ step: 'denoise', nFft: 256 }, { step: 'normalize' }],
        config: { sampleRate: 16000, nFft: 512, hop: 128, nMels: 40 },
      })
      expect(created.ok).toBe(true)
      const setId = created.ok ? (created.value as { id: number }).id : 0
      const bad = await dispatch('featureSets:create', { name: 'x', pipeline: [{ step: 'resample' }] })
      expect(bad.ok || bad.error.code).toBe('invalid-input')
      const badConfig = await dispatch('featureSets:create', { name: 'y', config: { nMels: 0 } })
      expect(badConfig.ok || badConfig.error.code).toBe('invalid-input')

      const catalog = service.catalog()
      const clipId = insertClip(catalog.db, {
        path: clipPath,
        contentHash: 'noisy',
        duration: 1,
        sampleRate: SR,
        channels: 1,
        size: 0,
        codec: 'PCM 16-bit',
      })
      const started = await dispatch('featureSets:compute', { id: setId })
      if (!started.ok) throw new Error(started.error.message)
      const job = await service.jobs.wait((started.value as { id: number }).id)
      expect(job.state).toBe('done')
      const finished = await dispatch('jobs:get', { id: job.id })
      expect(finished.ok && (finished.value as { result: unknown }).result).toMatchObject({
        setId,
        computed: 1,
        cached: 0,
        rows: 1,
        failed: [],
      })

      const view = await dispatch('features:clip', { clipId, setId })
      if (!view.ok) throw new Error(view.error.message)
      expect(view.value).toMatchObject({ clipId, setId, sampleRate: 16000, duration: 1, preprocessedDuration: 1 })
      const images = (view.value as { images: Record<string, { nFrames: number; nValues: number }> }).images
      expect(images['logmel']).toMatchObject({ nFrames: 126, nValues: 40 })
      expect(images['chroma']).toMatchObject({ nFrames: 126, nValues: 12 })

      const image = await service.media(`features/${clipId}?set=${setId}&kind=mfcc`)
      if (image.kind !== 'bytes') throw new Error(image.kind)
      const decoded = decodeFeatureImage(image.body.slice().buffer)
      expect([decoded.nFrames, decoded.nValues]).toEqual([126, 20])
      const wav = await service.media(`preprocessed/${clipId}?set=${setId}`)
      expect(wav).toMatchObject({ kind: 'file', contentType: 'audio/wav' })
      const audio = await loadAudio(wav.kind === 'file' ? wav.path : '')
      expect(audio.sampleRate).toBe(16000)
      expect(Math.max(...audio.channels[0]!)).toBeCloseTo(1, 2)
      // A segmenting set: the view shows the whole clip and where its pieces fall.
      const windows = await dispatch('featureSets:create', {
        name: 'windows',
        pipeline: [{ step: 'segment', mode: 'fixed', window: 0.4, hop: 0.3, last: 'drop' }],
        config: { sampleRate: SR, nFft: 256, hop: 64 },
      })
      if (!windows.ok) throw new Error(windows.error.message)
      const cut = await dispatch('features:clip', { clipId, setId: (windows.value as { id: number }).id })
      expect(cut.ok && (cut.value as { pieces: unknown }).pieces).toEqual([
        { start: 0, end: 0.4 },
        { start: 0.3, end: 0.7 },
        { start: 0.6, end: 1 },
      ])
      expect((await service.media(`features/${clipId}?kind=mfcc`)).kind).toBe('bad-request')
      expect((await service.media(`features/${clipId}?set=999&kind=mfcc`)).kind).toBe('not-found')
    } finally {
      await service.close()
    }
  }, 60_000)
})
