import { afterEach, describe, expect, it } from 'vitest'
import type { ImportSummary } from '../../src/shared/domain'
import { FSDD, FSDD_PATTERN } from '../helpers/fsdd'
import { testService } from '../helpers/service'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

describe(`importing fsdd-dev`, () => {
  it('adds 1,500 clips in 10 classes from 3 speakers, and a second import adds none', async () => {
    const { service, dispatch } = testService()
    close = () => service.close()
    const start = async () => {
      const job = await dispatch('import:start', {
        source: FSDD,
        labelsFrom: { kind: 'pattern', pattern: FSDD_PATTERN },
      })
      if (!job.ok) throw new Error(job.error.message)
      const id = (job.value as { id: number }).id
      const finished = await service.jobs.wait(id)
      expect(finished.state).toBe('done')
      const got = await dispatch('jobs:get', { id })
      return (got.ok ? (got.value as { result: ImportSummary }).result : undefined) as ImportSummary
    }

    const first = await start()
    expect(first.added).toBe(1500)
    expect(first.failed).toEqual([])
    expect(first.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    const db = service.catalog().db
    expect(db.prepare('SELECT COUNT(DISTINCT group_name) FROM clips').pluck().get()).toBe(3)
    expect(db.prepare('SELECT COUNT(*) FROM classes').pluck().get()).toBe(10)
    expect(
      db.prepare("SELECT codec, sample_rate, channels FROM clips WHERE path LIKE '%/7_jackson_32.wav'").get(),
    ).toEqual({
      codec: 'PCM 16-bit',
      sample_rate: 8000,
      channels: 1,
    })
    const durations = db.prepare('SELECT MIN(duration) AS min, MAX(duration) AS max FROM clips').get() as {
      min: number
      max: number
    }
    expect(durations.min).toBeGreaterThan(0.1)
    expect(durations.max).toBeLessThan(3)

    const second = await start()
    expect(second).toMatchObject({ added: 0, duplicates: 1500, failed: [] })
    expect(db.prepare('SELECT COUNT(*) FROM clips').pluck().get()).toBe(1500)
  })
})
