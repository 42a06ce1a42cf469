import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { basename, dirname, extname, join } from 'node:path'
import type { ApiEvents, MethodName, MethodParams, MethodResult } from '@shared/contract'
import type { ProjectSummary } from '@shared/domain'
import { isDeepRunModel, type RunInfo } from '@shared/evaluation'
import { addClass, listClasses, mergeClasses, removeClass, reorderClasses, updateClass } from './catalog/classes'
import { clipGroups, getClipDetail, neighborClips, queryClips } from './catalog/clip-query'
import { getSpectrogramSettings, setSpectrogramSettings } from './catalog/spectrogram-settings'
import { editAvailability, redoEdit, undoEdit } from './catalog/edits'
import { knownPaths } from './catalog/clips'
import { getRegion } from './catalog/regions'
import { getJob, getJobResult, listJobs, requestJobCancel } from './catalog/jobs'
import { backupCatalog, listBackups } from './catalog/backup'
import { openCatalog, type Catalog } from './catalog/open'
import { projectSummary } from './catalog/project'
import { getSetting, setSetting } from './catalog/settings'
import type { ClipRow } from '@shared/domain'
import { assignClass, changeClipLabels, createRegion, removeRegion, updateRegion, type Stamp } from './labeling'
import { TypedEmitter } from './events'
import { inspectOnPool } from './import/inspect-pool'
import { planImport, previewOf } from './import/plan'
import { runImport } from './import/run-import'
import { rescanClips } from './import/rescan'
import { exportLabelsTo, importLabelsFrom } from './interchange'
import { JobRunner } from './jobs/runner'
import {
  clipFeatureView,
  computeFeatureSet,
  createFeatureSet,
  getFeatureSet,
  listFeatureSets,
  removeFeatureSet,
  resolveFeatureMedia,
  updateFeatureSet,
  type ClipFeatureResult,
  type ClipFeatureTask,
  type ClipViewFacts,
  type FeatureViewRunners,
} from './feature-sets'
import { getRun, listRuns } from './catalog/runs'
import { cancelTrial, createSweep, getSweep, listSweeps } from './catalog/sweeps'
import { runSweep } from './sweeps/run-sweep'
import { checkSweepParameters, sweepableModels, trainableModels } from './sweeps/parameters'
import type { FeatureConfigInput } from './features'
import {
  exportRun,
  pageOfPredictions,
  prepareDeepResume,
  prepareDeepTraining,
  prepareTraining,
  removeRun,
  resumeDeepTraining,
  runDeepTraining,
  runFolder,
  runIsLive,
  runSplitEvaluation,
  runTraining,
} from './runs'
import { resolveMedia, type MediaResponse } from './media/media'
import { predictUnlabeledClips, runModelPath } from './runs/predict-unlabeled'
import { loadRunReport, runEvaluation, writeRunReport } from './runs/report'
import { checkPlannedSplit, runLeakage } from './runs/split-leakage'
import { unlabeledPredictionPage } from './catalog/unlabeled-predictions'
import { buildClipMap } from './explorer/clip-map'
import type { SpectrogramRequest } from '@shared/spectrogram'
import { WorkerPool } from './workers/pool'
import { workerScript } from './workers/script'

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
  /** Who labels made here are by (default: the OS user). */
  author?: string
  /** Worker threads for decoding and features (default: one per core). */
  workers?: number
  /** Injected clock. */
  now?: () => Date
}

/** The studio: implements the API contract on top of the domain modules. */
export interface StudioService {
  readonly handlers: ApiHandlers
  readonly events: TypedEmitter<ApiEvents>
  /** The open catalog (opening the start-up project on first use). */
  catalog(): Catalog
  /** Long-running jobs of this process. */
  readonly jobs: JobRunner
  /** Resolves a media path (`clip/<id>`, `peaks/<id>`, `spectrogram/<id>?…`) of the open project for a transport to serve. */
  media(pathname: string): Promise<MediaResponse>
  /** Stops running jobs and workers, and closes the open project. */
  close(): Promise<void>
}

/** Creates the service. Opens nothing until first asked. */
export function createStudioService(options: StudioServiceOptions): StudioService {
  const events = new TypedEmitter<ApiEvents>()
  const now = options.now ?? (() => new Date())
  let current: Catalog | undefined
  let audioPool: WorkerPool | undefined
  const workers = options.workers ?? Math.max(1, availableParallelism())
  const author = options.author ?? 'earmark'

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

  const jobs = new JobRunner(() => catalog().db, events, now)
  const pool = () => (audioPool ??= new WorkerPool(workerScript('audio-worker'), { size: workers }))
  const inspect = (path: string) => inspectOnPool(pool(), path)
  const peaks = (path: string) => pool().run<{ peaks: Float32Array; duration: number }>('peaks', path)
  const spectrogram = (path: string, request: SpectrogramRequest) =>
    pool().run<Uint8Array>('spectrogram', { path, request })
  // Feature sets (issue 5): one clip's features, or what the studio shows of it, on the same workers.
  const featureRunners: FeatureViewRunners = {
    features: (task: ClipFeatureTask) => pool().run<ClipFeatureResult>('features', task),
    view: (task: ClipFeatureTask) => pool().run<ClipViewFacts>('featureView', task),
  }

  /** A run as recorded, except that a running run no live process trains reads as interrupted. */
  const runState = <R extends RunInfo>(project: Catalog, run: R): R =>
    run.state === 'running' &&
    !runIsLive(runFolder(project.path, run.id), () => run.jobId !== null && jobs.isRunning(run.jobId))
      ? { ...run, state: 'interrupted' }
      : run

  const stamp = (): Stamp => ({ author, now: now() })
  const clipChanged = (clipId: number): ClipRow => {
    const { codec: _codec, regions: _regions, contentHash: _hash, ...row } = getClipDetail(catalog().db, clipId)
    events.emit('clip:changed', row)
    return row
  }
  const multiLabel = () => getSetting(catalog().db, 'multi_label') === 'true'
  /**
   * After labels change, the class counts on the first screen change too. The summary counts every
   * clip (~15 ms at 100,000), so it follows a moment after the answer, once for a burst of
   * changes, rather than holding up each label key (issue 4: label-to-next under 150 ms).
   */
  let summaryTimer: NodeJS.Timeout | undefined
  const labelsChanged = (clipId: number): ClipRow => {
    const row = clipChanged(clipId)
    summaryTimer ??= setTimeout(() => {
      summaryTimer = undefined
      if (current?.db.open) changed()
    }, 200).unref()
    return row
  }
  const undoResult = (edit: ReturnType<typeof undoEdit>) => {
    if (edit) labelsChanged(edit.clipId)
    return { edit, ...editAvailability(catalog().db) }
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

    'import:preview': async ({ source, labelsFrom, limit }) => {
      const plan = await planImport(source, labelsFrom)
      const already = knownPaths(
        catalog().db,
        plan.rows.map((r) => r.path),
      ).size
      return previewOf(plan, limit, already)
    },
    'import:start': async ({ source, labelsFrom, copy }) => {
      const plan = await planImport(source, labelsFrom)
      const project = catalog()
      const copyInto = copy ? projectAudioFolder(project.path) : undefined
      return jobs.start('import', { source, labelsFrom, copy }, async (context) => {
        for (const problem of plan.problems) context.log('warn', `${problem.path}: ${problem.reason}`)
        try {
          const summary = await runImport(
            project,
            plan,
            { inspect, author, concurrency: workers * 2, now, ...(copyInto ? { copyInto } : {}) },
            context,
          )
          return { ...summary, failed: [...plan.problems, ...summary.failed] }
        } finally {
          if (project.db.open) changed()
        }
      })
    },
    'clips:query': ({ filter, sort, offset, limit }) => queryClips(catalog().db, filter, sort, offset, limit),
    'clips:get': ({ id }) => getClipDetail(catalog().db, id),
    'clips:neighbor': ({ id, filter, sort, step, count }) => {
      const ids = neighborClips(catalog().db, id, filter, sort, step, count)
      return { id: ids[0] ?? null, ids }
    },
    'clips:groups': () => clipGroups(catalog().db),
    'spectrogram:get': () => getSpectrogramSettings(catalog().db),
    'spectrogram:set': (settings) => setSpectrogramSettings(catalog().db, settings),

    'labels:assign': ({ clipId, classId }) => {
      const multi = multiLabel()
      changeClipLabels(catalog().db, clipId, (s) => assignClass(s, classId, multi), 'label a clip', stamp())
      return labelsChanged(clipId)
    },
    'labels:set': ({ clipId, classIds }) => {
      changeClipLabels(
        catalog().db,
        clipId,
        (s) => ({ ...s, classIds: [...new Set(classIds)] }),
        'label a clip',
        stamp(),
      )
      return labelsChanged(clipId)
    },
    'labels:flag': ({ clipId, unsure, badAudio }) => {
      changeClipLabels(
        catalog().db,
        clipId,
        (s) => ({ ...s, unsure: unsure ?? s.unsure, badAudio: badAudio ?? s.badAudio }),
        'flag a clip',
        stamp(),
      )
      return clipChanged(clipId)
    },
    'labels:note': ({ clipId, note }) => {
      changeClipLabels(catalog().db, clipId, (s) => ({ ...s, note }), 'edit a note', stamp())
      return clipChanged(clipId)
    },
    'regions:create': ({ clipId, ...fields }) => {
      const region = createRegion(catalog().db, clipId, fields, stamp())
      labelsChanged(clipId)
      return region
    },
    'regions:update': ({ id, ...fields }) => {
      const region = updateRegion(catalog().db, id, fields, stamp())
      labelsChanged(region.clipId)
      return region
    },
    'regions:delete': ({ id }) => {
      const clipId = getRegion(catalog().db, id).clipId
      removeRegion(catalog().db, id, stamp())
      labelsChanged(clipId)
      return { id }
    },
    'labels:export': async ({ format, out }) => ({ files: await exportLabelsTo(catalog().db, format, out) }),
    'labels:import': async ({ format, paths }) => {
      const summary = await importLabelsFrom(catalog().db, format, paths, stamp())
      changed()
      return summary
    },
    'edits:undo': () => undoResult(undoEdit(catalog().db, author, now())),
    'edits:redo': () => undoResult(redoEdit(catalog().db, author, now())),

    'clips:rescan': () => {
      const result = rescanClips(catalog().db)
      changed()
      return result
    },

    'jobs:list': ({ limit }) => listJobs(catalog().db, limit),
    'jobs:get': ({ id }) => ({ ...getJob(catalog().db, id), result: getJobResult(catalog().db, id) }),
    'jobs:cancel': ({ id }) => {
      if (jobs.cancel(id)) return getJob(catalog().db, id)
      const job = requestJobCancel(catalog().db, id, now())
      if (job.state === 'cancelled') events.emit('job:state', job)
      return job
    },

    'featureSets:list': () => listFeatureSets(catalog().db),
    'featureSets:create': ({ name, pipeline, config }) =>
      createFeatureSet(catalog().db, { name, ...withoutUndefined({ pipeline, config }) }, now()),
    'featureSets:update': ({ id, ...changes }) => updateFeatureSet(catalog().db, id, withoutUndefined(changes), now()),
    'featureSets:remove': ({ id }) => {
      removeFeatureSet(catalog().db, id)
      return { id }
    },
    'featureSets:compute': ({ id }) => {
      const project = catalog()
      const set = getFeatureSet(project.db, id)
      return jobs.start('features', { setId: id, name: set.name, paramsHash: set.paramsHash }, (context) =>
        computeFeatureSet(project, id, { compute: featureRunners.features, concurrency: workers * 2 }, context),
      )
    },
    'features:clip': ({ clipId, setId }) => clipFeatureView(catalog(), clipId, setId, featureRunners),

    'train:start': async ({ model, params, features, seed, testFraction, validationFraction }) => {
      const project = catalog()
      const env = { db: project.db, projectPath: project.path, workers, now }
      const request = { model, params, seed, testFraction }
      if (isDeepRunModel(model)) {
        // Checked before the job starts, so a bad hyperparameter or recipe is an error of this call.
        const prepared = await prepareDeepTraining(project.db, {
          ...request,
          model,
          ...(features === undefined ? {} : { features }),
          ...(validationFraction === undefined ? {} : { validationFraction }),
        })
        return jobs.start('train', { ...request, features: prepared.recipe }, (context) =>
          runDeepTraining(env, prepared, context),
        )
      }
      const prepared = prepareTraining(project.db, {
        ...request,
        model,
        ...(features === undefined ? {} : { features: features as FeatureConfigInput }),
      })
      return jobs.start('train', { ...request, features: prepared.config }, (context) =>
        runTraining(env, prepared, context),
      )
    },
    'train:models': () => trainableModels(),
    'train:check': ({ model, params, seed, testFraction, validationFraction }) =>
      checkPlannedSplit(catalog().db, {
        model,
        params,
        seed,
        testFraction,
        ...(validationFraction === undefined ? {} : { validationFraction }),
      }),
    'train:resume': ({ id }) => {
      const project = catalog()
      const run = runState(project, getRun(project.db, id))
      const prepared = prepareDeepResume(project.db, id, run.state)
      return jobs.start('train', { resumeRun: id, model: run.model }, (context) =>
        resumeDeepTraining({ db: project.db, projectPath: project.path, workers, now }, id, prepared, context),
      )
    },
    'sweeps:start': ({ spec, workers: lanes }) => {
      const project = catalog()
      checkSweepParameters(spec)
      const sweepId = createSweep(project.db, spec)
      const job = jobs.start('sweep', { sweepId }, (context) =>
        runSweep(project.db, sweepId, context, { workers: lanes ?? workers }),
      )
      return { sweepId, job }
    },
    'sweeps:resume': ({ id: sweepId, workers: lanes }) => {
      const project = catalog()
      getSweep(project.db, sweepId)
      const job = jobs.start('sweep', { sweepId }, (context) =>
        runSweep(project.db, sweepId, context, { workers: lanes ?? workers }),
      )
      return { sweepId, job }
    },
    'sweeps:list': () => listSweeps(catalog().db),
    'sweeps:get': ({ id: sweepId }) => getSweep(catalog().db, sweepId),
    'sweeps:cancelTrial': ({ sweepId, trialId }) => cancelTrial(catalog().db, sweepId, trialId),
    'sweeps:models': () => sweepableModels(),
    'runs:list': () => listRuns(catalog().db).map((run) => runState(catalog(), run)),
    'runs:get': ({ id }) => runState(catalog(), getRun(catalog().db, id)),
    'runs:remove': async ({ id }) => {
      await removeRun(catalog().db, catalog().path, id, runState(catalog(), getRun(catalog().db, id)).state)
      return { id }
    },
    'runs:metrics': ({ id, split }) => runSplitEvaluation(catalog().db, id, split),
    'runs:predictions': ({ id, split, true: trueLabel, predicted, errorsOnly, order, offset, limit }) =>
      pageOfPredictions(catalog().db, id, {
        split,
        errorsOnly,
        order,
        offset,
        limit,
        ...(trueLabel === undefined ? {} : { trueLabel }),
        ...(predicted === undefined ? {} : { predicted }),
      }),
    'runs:export': async ({ id, out }) => ({ files: await exportRun(catalog().db, id, out) }),
    'runs:evaluation': ({ id, split }) => runEvaluation(loadRunReport(catalog().db, id, split)),
    'runs:report': async ({ id, split, out }) => ({ files: await writeRunReport(catalog().db, id, split, out, now()) }),
    'runs:predictUnlabeled': ({ id }) => {
      const project = catalog()
      runModelPath(getRun(project.db, id))
      return jobs.start('evaluate', { runId: id, unlabeled: true }, (context) =>
        predictUnlabeledClips(project.db, id, context, { workers, now }),
      )
    },
    'runs:unlabeled': ({ id, order, offset, limit }) => unlabeledPredictionPage(catalog().db, id, order, offset, limit),
    'runs:leakage': ({ id }) => runLeakage(catalog().db, id),
    'explorer:map': ({ method, seed, runId }) => {
      const project = catalog()
      if (runId !== undefined) runModelPath(getRun(project.db, runId))
      const request = { method, seed, ...(runId === undefined ? {} : { runId }) }
      return jobs.start('explore', request, (context) => buildClipMap(project.db, request, context, { workers }))
    },
  }

  return {
    handlers,
    events,
    catalog,
    jobs,
    media: (pathname) =>
      resolveMedia(
        {
          catalog,
          peaks,
          spectrogram,
          featureMedia: (route, clipId, query) => resolveFeatureMedia(catalog(), route, clipId, query, featureRunners),
        },
        pathname,
      ),
    close: async () => {
      clearTimeout(summaryTimer)
      summaryTimer = undefined
      await jobs.stopAll()
      await audioPool?.close()
      audioPool = undefined
      current?.close()
      current = undefined
    },
  }
}

/** Where `--copy` puts imported audio: a folder beside the project file, named after it. */
export function projectAudioFolder(projectPath: string): string {
  return join(dirname(projectPath), `${basename(projectPath, extname(projectPath))} audio`)
}

/** Drops keys whose value is undefined, so optional inputs do not overwrite with "nothing". */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}
