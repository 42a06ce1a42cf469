// The worker thread that runs sweep trials, one at a time, so trials run side by side on the cores
// and a trial that crashes or runs out of memory costs that trial, not the sweep. Deep-model
// trials load TensorFlow.js only when the first one arrives.
import { serveTasks } from '../workers/serve-tasks'
import type { DeepTrialTask } from './deep-objective'
import { crossValidate, type TrialTask } from './objective'

const tasks = {
  trial: (task: TrialTask) => crossValidate(task),
  deepTrial: async (task: DeepTrialTask) => (await import('./deep-objective')).crossValidateDeep(task),
}

/** What this worker serves, for the pools that run it (import it as a type only). */
export type SweepWorkerTasks = typeof tasks

serveTasks(tasks)
