import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type { TrainSummary } from '../../../src/shared/evaluation'
import type { ClipMap } from '../../../src/shared/explorer'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/** Share of points whose nearest other point on the map carries the same label. */
function neighbourPurity(map: ClipMap): number {
  const points = map.points
  let same = 0
  for (const p of points) {
    let best = p
    let bestDistance = Infinity
    for (const q of points) {
      const d = q === p ? Infinity : (p.x - q.x) ** 2 + (p.y - q.y) ** 2
      if (d < bestDistance) [best, bestDistance] = [q, d]
    }
    if (best.label === p.label) same++
  }
  return same / points.length
}

describe('the clip map job', { timeout: 180_000 }, () => {
  it('maps every clip by its features, keeps classes apart, carries labels and a run’s predictions', async () => {
    const t = testService()
    close = () => t.service.close()
    const random = mulberry32(4)
    const audio = join(t.dir, 'audio')
    // Three tones far apart: a hum, a mid tone and a whistle, 12 clips each, 0.4 s at 8 kHz.
    for (const [label, low, high] of [
      ['hum', 200, 300],
      ['mid', 800, 1000],
      ['whistle', 2500, 3000],
    ] as const) {
      mkdirSync(join(audio, label), { recursive: true })
      for (let i = 0; i < 12; i++) {
        const f = low + (high - low) * random()
        const samples = Float32Array.from(
          { length: 3200 },
          (_, n) => 0.5 * Math.sin((2 * Math.PI * f * n) / 8000) + 0.05 * (random() * 2 - 1),
        )
        writeFileSync(join(audio, label, `${label}${i}.wav`), encodeWav([samples], 8000))
      }
    }
    const call = async <T>(method: string, input: unknown): Promise<T> => {
      const result = await t.dispatch(method as never, input as never)
      if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code })
      return result.value as T
    }
    const job = async <T>(started: JobInfo): Promise<T> => {
      const finished = await t.service.jobs.wait(started.id)
      expect(finished.error).toBeNull()
      return (await call<{ result: T }>('jobs:get', { id: started.id })).result
    }
    await job(await call<JobInfo>('import:start', { source: audio }))

    const pca = await job<ClipMap>(await call<JobInfo>('explorer:map', { method: 'pca' }))
    expect(pca).toMatchObject({ method: 'pca', seed: 0, runId: null, features: 104, failed: [] })
    expect(pca.points).toHaveLength(36)
    expect(new Set(pca.points.map((p) => p.label))).toEqual(new Set(['hum', 'mid', 'whistle']))
    expect(pca.points.every((p) => p.predicted === null && Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true)
    expect(neighbourPurity(pca)).toBeGreaterThan(0.9)

    // UMAP with a run: the same seed gives the same map, and each point carries the run's guess.
    const { runId } = await job<TrainSummary>(
      await call<JobInfo>('train:start', { model: 'rf', params: { trees: 20 }, seed: 2 }),
    )
    const umap = await job<ClipMap>(await call<JobInfo>('explorer:map', { method: 'umap', seed: 5, runId }))
    expect(umap).toMatchObject({ method: 'umap', seed: 5, runId })
    expect(neighbourPurity(umap)).toBeGreaterThan(0.9)
    const agree = umap.points.filter((p) => p.predicted === p.label).length
    expect(agree / umap.points.length).toBeGreaterThan(0.9)
    const again = await job<ClipMap>(await call<JobInfo>('explorer:map', { method: 'umap', seed: 5 }))
    expect(again.points.map((p) => [p.x, p.y])).toEqual(umap.points.map((p) => [p.x, p.y]))

    // A run id that does not exist is an error of the call, before any job starts.
    const missing = await t.dispatch('explorer:map', { method: 'pca', runId: 999 })
    expect(missing.ok).toBe(false)
  })
})
