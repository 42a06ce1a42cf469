// Trained runs: their metrics, predictions, reports and exports, predictions of unlabeled clips, and the clip map.
import { getSpace } from '../catalog/embeddings'
import { getRun, listRuns } from '../catalog/runs'
import { exportRun, pageOfPredictions, removeRun, runSplitEvaluation } from '../runs'
import { predictUnlabeledClips, runModelPath } from '../runs/predict-unlabeled'
import { loadRunReport, runEvaluation, writeRunReport } from '../runs/report'
import { runLeakage } from '../runs/split-leakage'
import { unlabeledPredictionPage } from '../catalog/unlabeled-predictions'
import { buildClipMap } from '../explorer/clip-map'
import type { ApiHandlers, ServiceContext } from './context'

/** Trained runs: their metrics, predictions, reports and exports, predictions of unlabeled clips, and the clip map. */
export function runHandlers({
  now,
  workers,
  catalog,
  jobs,
  starts,
  sameJob,
  featureRunners,
  runState,
}: ServiceContext) {
  return {
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
    'runs:predictUnlabeled': (input) =>
      starts.start(
        'runs:predictUnlabeled',
        'evaluate',
        input,
        (identity) => {
          const project = catalog()
          const { id } = input
          runModelPath(getRun(project.db, id))
          return jobs.start(
            'evaluate',
            { runId: id, unlabeled: true },
            (context) =>
              predictUnlabeledClips(project.db, id, context, {
                projectPath: project.path,
                workers,
                now,
                compute: featureRunners.features,
              }),
            identity,
          )
        },
        sameJob,
      ),
    'runs:unlabeled': ({ id, order, offset, limit }) => unlabeledPredictionPage(catalog().db, id, order, offset, limit),
    'runs:leakage': ({ id }) => runLeakage(catalog().db, id),
    'explorer:map': (input) =>
      starts.start(
        'explorer:map',
        'explore',
        input,
        (identity) => {
          const project = catalog()
          const { method, seed, runId, space } = input
          if (runId !== undefined) runModelPath(getRun(project.db, runId))
          // An embedding space that is not there is refused before a job exists.
          if (space !== undefined) getSpace(project.db, space)
          const request = {
            method,
            seed,
            ...(runId === undefined ? {} : { runId }),
            ...(space === undefined ? {} : { space }),
          }
          return jobs.start(
            'explore',
            request,
            (context) =>
              buildClipMap(project.db, request, context, {
                projectPath: project.path,
                workers,
                compute: featureRunners.features,
              }),
            identity,
          )
        },
        sameJob,
      ),
  } satisfies Partial<ApiHandlers>
}
