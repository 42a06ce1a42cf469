import type { ProjectSummary } from '@shared/domain'
import { listClasses } from './classes'
import { clipCounts } from './clips'
import { schemaVersion } from './migrations'
import type { Catalog } from './open'
import { getSetting } from './settings'

/** What the first screen shows of a project. */
export function projectSummary(catalog: Catalog): ProjectSummary {
  const { db } = catalog
  const counts = clipCounts(db)
  return {
    path: catalog.path,
    name: getSetting(db, 'name') ?? 'Untitled',
    schemaVersion: schemaVersion(db),
    createdAt: getSetting(db, 'created_at') ?? '',
    multiLabel: getSetting(db, 'multi_label') === 'true',
    classes: listClasses(db),
    clipCount: counts.total,
    labeledClipCount: counts.labeled,
    missingClipCount: counts.missing,
  }
}
