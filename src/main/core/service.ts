import { existsSync } from 'node:fs'
import type { ApiEvents, MethodName, MethodParams, MethodResult } from '@shared/contract'
import type { ProjectSummary } from '@shared/domain'
import { addClass, listClasses, removeClass, updateClass } from './catalog/classes'
import { getJob, listJobs, requestJobCancel } from './catalog/jobs'
import { openCatalog, type Catalog } from './catalog/open'
import { projectSummary } from './catalog/project'
import { setSetting } from './catalog/settings'
import { EarmarkError } from './errors'
import { TypedEmitter } from './events'

/** One handler per API method, taking validated input. */
export type ApiHandlers = {
  [M in MethodName]: (input: MethodParams<M>) => MethodResult<M> | Promise<MethodResult<M>>
}

/** What the service needs from its host (Electron, the server, the CLI, a test). */
export interface StudioServiceOptions {
  /** Earmark's version, for `app:info`. */
  version: string
  /** The project opened when none is named; created on first use. */
  defaultProjectPath: string
  /** Open this project at start instead of the default. */
  projectPath?: string
  /** Path to a better-sqlite3 binary for this runtime (Electron). */
  sqliteNativeBinding?: string
  /** Injected clock. */
  now?: () => Date
}

/** The studio: implements the API contract on top of the domain modules. */
export interface StudioService {
  readonly handlers: ApiHandlers
  readonly events: TypedEmitter<ApiEvents>
  /** The open catalog (opening the start-up project on first use). */
  catalog(): Catalog
  /** Closes the open project. */
  close(): void
}

/** Creates the service. Opens nothing until first asked. */
export function createStudioService(options: StudioServiceOptions): StudioService {
  const events = new TypedEmitter<ApiEvents>()
  const now = options.now ?? (() => new Date())
  let current: Catalog | undefined

  const open = (path: string, create: boolean, name?: string): Catalog => {
    const next = openCatalog(path, {
      create,
      now,
      ...(name === undefined ? {} : { name }),
      ...(options.sqliteNativeBinding ? { nativeBinding: options.sqliteNativeBinding } : {}),
    })
    current?.close()
    current = next
    return next
  }

  const catalog = (): Catalog => {
    if (current) return current
    const path = options.projectPath ?? options.defaultProjectPath
    if (options.projectPath === undefined && !existsSync(path)) return open(path, true, 'My project')
    return open(path, false)
  }

  const changed = (): ProjectSummary => {
    const summary = projectSummary(catalog())
    events.emit('project:changed', summary)
    return summary
  }

  const handlers: ApiHandlers = {
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
    'classes:remove': ({ id }) => {
      const labelsRemoved = removeClass(catalog().db, id)
      changed()
      return { id, labelsRemoved }
    },

    'jobs:list': ({ limit }) => listJobs(catalog().db, limit),
    'jobs:cancel': ({ id }) => {
      const job = requestJobCancel(catalog().db, id, now())
      if (job.state === 'cancelled') events.emit('job:state', job)
      return getJob(catalog().db, id)
    },
  }

  return {
    handlers,
    events,
    catalog,
    close: () => {
      current?.close()
      current = undefined
      events.clear()
    },
  }
}

/** Drops keys whose value is undefined, so optional inputs do not overwrite with "nothing". */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}

export { EarmarkError }
