// The open project: what it is, opening and creating it, its backups, settings and classes.
import { withoutUndefined } from './context'
import { addClass, listClasses, mergeClasses, removeClass, reorderClasses, updateClass } from '../catalog/classes'
import { backupCatalog, listBackups } from '../catalog/backup'
import { projectSummary } from '../catalog/project'
import { setSetting } from '../catalog/settings'
import type { ApiHandlers, ServiceContext } from './context'

/** The open project: what it is, opening and creating it, its backups, settings and classes. */
export function projectHandlers({ options, now, open, catalog, changed }: ServiceContext) {
  return {
    'app:info': () => ({
      name: 'Earmark',
      version: options.version,
      defaultProjectPath: options.defaultProjectPath,
      platform: process.platform,
    }),
    'project:get': () => projectSummary(catalog()),
    'project:open': ({ path }) => {
      open(path, false)
      return changed()
    },
    'project:create': ({ path, name }) => {
      open(path, true, name)
      return changed()
    },
    'project:rename': ({ name }) => {
      setSetting(catalog().db, 'name', name)
      return changed()
    },
    'project:backup': ({ out }) =>
      backupCatalog(catalog().db, catalog().path, { now: now(), ...(out === undefined ? {} : { out }) }),
    'project:backups': () => listBackups(catalog().path),
    'project:settings': ({ multiLabel: multi }) => {
      if (multi !== undefined) setSetting(catalog().db, 'multi_label', String(multi))
      return changed()
    },
    'classes:list': () => listClasses(catalog().db),
    'classes:add': (input) => {
      const added = addClass(catalog().db, withoutUndefined(input), now())
      changed()
      return added
    },
    'classes:update': ({ id, ...changes }) => {
      const updated = updateClass(catalog().db, id, withoutUndefined(changes))
      changed()
      return updated
    },
    'classes:reorder': ({ ids }) => {
      const classes = reorderClasses(catalog().db, ids)
      changed()
      return classes
    },
    'classes:merge': ({ from, into }) => {
      const moved = mergeClasses(catalog().db, from, into)
      changed()
      return { moved }
    },
    'classes:remove': ({ id }) => {
      const labelsRemoved = removeClass(catalog().db, id)
      changed()
      return { id, labelsRemoved }
    },
  } satisfies Partial<ApiHandlers>
}
