// Training runs and hyperparameter sweeps: checking, starting and resuming them.
import type { MethodParams } from '@shared/contract'
import type { JobInfo } from '@shared/domain'
import { isDeepRunModel } from '@shared/evaluation'
import { getJobParams } from '../catalog/jobs'
import type { StartIdentity } from '../jobs/runner'
import { getRun } from '../catalog/runs'
import { cancelTrial, createSweep, getSweep, listSweeps } from '../catalog/sweeps'
import { runSweep } from '../sweeps/run-sweep'
import { checkSweepParameters, sweepableModels, trainableModels } from '../sweeps/parameters'
import type { FeatureConfigInput } from '../features'
import {
  prepareDeepResume,
  prepareDeepTraining,
  prepareRegionTraining,
  prepareTraining,
  resumeDeepTraining,
  runDeepTraining,
  runRegionTraining,
  runTraining,
} from '../runs'
import { checkPlannedSplit } from '../runs/split-leakage'
import type { ApiHandlers, ServiceContext } from './context'

/** The window settings of a request on regions that it gives. */
function windowSettings(r: {
  window?: number | undefined
  hop?: number | undefined
  minOverlap?: number | undefined
}): {
  window?: number
  hop?: number
  minOverlap?: number
} {
  return {
    ...(r.window === undefined ? {} : { window: r.window }),
    ...(r.hop === undefined ? {} : { hop: r.hop }),
    ...(r.minOverlap === undefined ? {} : { minOverlap: r.minOverlap }),
  }
}

/** Training runs and hyperparameter sweeps: checking, starting and resuming them. */
export function trainingHandlers({
  now,
  workers,
  catalog,
  jobs,
  starts,
  sameJob,
  featureRunners,
  runState,
}: ServiceContext) {
  /** Where a run reads its features: the project's cache, computed where missing on the studio's workers. */
  const runEnv = (project: ReturnType<typeof catalog>) => ({
    db: project.db,
    projectPath: project.path,
    workers,
    now,
    compute: featureRunners.features,
    augment: featureRunners.copies,
  })

  /** Records and starts a training run (the settings checked before its job exists). */
  const startTraining = async (
    { model, params, set, features, seed, testFraction, validationFraction, ...regions }: MethodParams<'train:start'>,
    identity: StartIdentity,
  ): Promise<JobInfo> => {
    const project = catalog()
    const env = runEnv(project)
    const request = { model, params, seed, testFraction, ...(set === undefined ? {} : { set }) }
    if (regions.from === 'regions') {
      // Windows of labeled regions: checked (windows, classes, recipe) before the job starts.
      const prepared = await prepareRegionTraining(project.db, {
        ...request,
        ...(features === undefined ? {} : { features }),
        ...(validationFraction === undefined ? {} : { validationFraction }),
        ...windowSettings(regions),
      })
      return jobs.start(
        'train',
        { ...request, from: 'regions', featureSet: prepared.recipe },
        (context) =>
          runRegionTraining(
            { ...env, ...(featureRunners.windows ? { windows: featureRunners.windows } : {}) },
            prepared,
            context,
          ),
        identity,
      )
    }
    if (isDeepRunModel(model)) {
      // Checked before the job starts, so a bad hyperparameter or recipe is an error of this call.
      const prepared = await prepareDeepTraining(project.db, {
        ...request,
        model,
        ...(features === undefined ? {} : { features }),
        ...(validationFraction === undefined ? {} : { validationFraction }),
      })
      return jobs.start(
        'train',
        { ...request, featureSet: prepared.recipe },
        (context) => runDeepTraining(env, prepared, context),
        identity,
      )
    }
    const prepared = prepareTraining(project.db, {
      ...request,
      model,
      ...(features === undefined ? {} : { features: features as FeatureConfigInput }),
    })
    return jobs.start(
      'train',
      { ...request, featureSet: prepared.recipe },
      (context) => runTraining(env, prepared, context),
      identity,
    )
  }

  /** Runs a recorded sweep's queued trials as a job (a new sweep, or one resumed). */
  const startSweep = (sweepId: number, lanes: number | undefined, identity: StartIdentity) => {
    const project = catalog()
    const job = jobs.start(
      'sweep',
      { sweepId },
      (context) =>
        runSweep(project.db, sweepId, context, {
          workers: lanes ?? workers,
          projectPath: project.path,
          compute: featureRunners.features,
        }),
      identity,
    )
    return { sweepId, job }
  }

  /** A sweep start answers with its sweep too, which the sweep job keeps in its parameters. */
  const sweepStarted = (job: JobInfo) => ({
    sweepId: (getJobParams(catalog().db, job.id) as { sweepId: number }).sweepId,
    job,
  })

  return {
    'train:start': (input) =>
      starts.start('train:start', 'train', input, (identity) => startTraining(input, identity), sameJob),
    'train:models': () => trainableModels(),
    'train:check': ({ model, params, seed, testFraction, validationFraction, ...regions }) =>
      checkPlannedSplit(catalog().db, {
        model,
        params,
        seed,
        testFraction,
        ...(validationFraction === undefined ? {} : { validationFraction }),
        ...(regions.from === 'regions' ? { regions: windowSettings(regions) } : {}),
      }),
    'train:resume': (input) =>
      starts.start(
        'train:resume',
        'train',
        input,
        (identity) => {
          const project = catalog()
          const { id } = input
          const run = runState(project, getRun(project.db, id))
          const prepared = prepareDeepResume(project.db, id, run.state)
          return jobs.start(
            'train',
            { resumeRun: id, model: run.model },
            (context) => resumeDeepTraining(runEnv(project), id, prepared, context),
            identity,
          )
        },
        sameJob,
      ),
    'sweeps:start': (input) =>
      starts.start(
        'sweeps:start',
        'sweep',
        input,
        (identity) => {
          checkSweepParameters(input.spec)
          return startSweep(createSweep(catalog().db, input.spec), input.workers, identity)
        },
        sweepStarted,
      ),
    'sweeps:resume': (input) =>
      starts.start(
        'sweeps:resume',
        'sweep',
        input,
        (identity) => {
          getSweep(catalog().db, input.id)
          return startSweep(input.id, input.workers, identity)
        },
        sweepStarted,
      ),
    'sweeps:list': () => listSweeps(catalog().db),
    'sweeps:get': ({ id: sweepId }) => getSweep(catalog().db, sweepId),
    'sweeps:cancelTrial': ({ sweepId, trialId }) => cancelTrial(catalog().db, sweepId, trialId),
    'sweeps:models': () => sweepableModels(),
  } satisfies Partial<ApiHandlers>
}
