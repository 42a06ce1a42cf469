import { join } from 'node:path'
import { addClass } from '../../src/main/core/catalog/classes'
import { insertClip } from '../../src/main/core/catalog/clips'
import { openCatalog, type Catalog } from '../../src/main/core/catalog/open'
import { tempDir } from './temp'

/** A fresh project with the given classes and `clips` one-second clips named c000.wav, c001.wav, …. */
export interface SeededCatalog {
  catalog: Catalog
  db: Catalog['db']
  classIds: number[]
  clipIds: number[]
}

export function seededCatalog(
  classes: string[],
  clips: number,
  options: { group?: (i: number) => string } = {},
): SeededCatalog {
  const catalog = openCatalog(join(tempDir(), 'seeded.earmark'), { create: true })
  const classIds = classes.map((name) => addClass(catalog.db, { name }).id)
  const clipIds = catalog.db.transaction(() =>
    Array.from({ length: clips }, (_, i) =>
      insertClip(catalog.db, {
        path: `/data/c${String(i).padStart(3, '0')}.wav`,
        contentHash: `hash${i}`,
        duration: 1 + i / 100,
        sampleRate: 16000,
        channels: 1,
        size: 32044,
        codec: 'pcm_s16le',
        group: options.group?.(i) ?? null,
      }),
    ),
  )()
  return { catalog, db: catalog.db, classIds, clipIds }
}
