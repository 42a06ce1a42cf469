import { fsddFiles } from './fsdd'
import { buildLongRecordings, writeRecordingsManifest, type LongRecording } from './long-recordings'
import { jobResult, type ServiceCall } from './service'
import type { StudioService } from '../../src/main/core/service'

/** The digits in the recordings, and the takes of every speaker that go to each split. */
const DIGITS = new Set(['0', '1', '2'])
const SPLITS = [
  { split: 'train', takes: [5, 16] },
  { split: 'val', takes: [17, 20] },
  { split: 'test', takes: [0, 4] },
] as const

/**
 * Long recordings of digits 0-2 for training on regions (takes 5-16 train, 17-20 validate, 0-4
 * test, of every speaker; 12-20 s each), written in `dir` and imported into the service's project
 * from their manifest as unlabeled clips, with their regions from the Audacity label tracks. Kept
 * small so that a run on them takes seconds. `seed` draws the recordings of the first split (the
 * next splits take the next seeds).
 */
export async function importRegionRecordings(
  t: { service: StudioService; call: ServiceCall },
  dir: string,
  seed: number,
): Promise<{ recordings: LongRecording[]; added: number; regionsAdded: number }> {
  const recordings: LongRecording[] = []
  SPLITS.forEach(({ split, takes }, i) => {
    const digits = fsddFiles().filter((f) => DIGITS.has(f.digit) && f.take >= takes[0] && f.take <= takes[1])
    recordings.push(...buildLongRecordings({ seed: seed + i, dir, split, digits, seconds: { min: 12, max: 20 } }))
  })
  const manifest = writeRecordingsManifest(dir, recordings)
  const { added } = await jobResult<{ added: number }>(
    t,
    await t.call('import:start', { source: manifest, labelsFrom: { kind: 'csv' } }),
  )
  const { regionsAdded } = await t.call<{ regionsAdded: number }>('labels:import', {
    format: 'audacity',
    paths: recordings.map((r) => r.labelPath),
  })
  return { recordings, added, regionsAdded }
}
