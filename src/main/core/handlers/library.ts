// The project's clips: importing them, finding them, their splits, and the spectrogram settings.
import { projectAudioFolder } from '../import/copy'
import { clipGroups, clipIdsMatching, getClipDetail, neighborClips, queryClips } from '../catalog/clip-query'
import { getSpectrogramSettings, setSpectrogramSettings } from '../catalog/spectrogram-settings'
import { knownPaths } from '../catalog/clips'
import { planImport, previewOf, screenPlan } from '../import/plan'
import { runImport } from '../import/run-import'
import { rescanClips } from '../import/rescan'
import { plannedUpdates } from '../import/updates'
import { editClipSplits, groupSplitRows, setSplits } from '../splitting/set-splits'
import { EarmarkError } from '../errors'
import type { ApiHandlers, ServiceContext } from './context'

/** The project's clips: importing them, finding them, their splits, and the spectrogram settings. */
export function libraryHandlers({
  now,
  author,
  workers,
  catalog,
  jobs,
  starts,
  sameJob,
  inspect,
  stamp,
  changed,
}: ServiceContext) {
  return {
    'import:preview': async ({ source, labelsFrom, limit }) => {
      // Empty and non-audio files are named now; the import itself still reports any it meets.
      const plan = await screenPlan(await planImport(source, labelsFrom))
      const already = knownPaths(
        catalog().db,
        plan.rows.map((r) => r.path),
      ).size
      return previewOf(plan, limit, already, plannedUpdates(catalog().db, plan))
    },
    // The whole input (but its key) tells two starts apart: an identical import while one runs is that one.
    'import:start': (input) =>
      starts.start(
        'import:start',
        'import',
        input,
        async (identity) => {
          const { source, labelsFrom, copy } = input
          const plan = await planImport(source, labelsFrom)
          const project = catalog()
          const copyInto = copy ? projectAudioFolder(project.path) : undefined
          return jobs.start(
            'import',
            { source, labelsFrom, copy },
            async (context) => {
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
            },
            identity,
          )
        },
        sameJob,
      ),
    'clips:query': ({ filter, sort, offset, limit }) => queryClips(catalog().db, filter, sort, offset, limit),
    'clips:get': ({ id }) => getClipDetail(catalog().db, id),
    'clips:neighbor': ({ id, filter, sort, step, count }) => {
      const ids = neighborClips(catalog().db, id, filter, sort, step, count)
      return { id: ids[0] ?? null, ids }
    },
    'clips:groups': () => clipGroups(catalog().db),
    'splits:groups': () => groupSplitRows(catalog().db),
    'splits:set': async (request) => {
      const result = await setSplits(catalog().db, request, stamp())
      changed()
      return result
    },
    'splits:edit': ({ clipIds, filter, ...fields }) => {
      const db = catalog().db
      const ids = clipIds ?? clipIdsMatching(db, filter ?? {})
      if (ids.length === 0) throw new EarmarkError('invalid-input', 'no clip matches the filter: nothing to edit')
      const result = editClipSplits(db, { clipIds: ids, ...fields }, stamp())
      changed()
      return result
    },
    'spectrogram:get': () => getSpectrogramSettings(catalog().db),
    'spectrogram:set': (settings) => setSpectrogramSettings(catalog().db, settings),
    'clips:rescan': () => {
      const result = rescanClips(catalog().db)
      changed()
      return result
    },
  } satisfies Partial<ApiHandlers>
}
