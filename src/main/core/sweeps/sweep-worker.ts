// The worker thread that runs sweep trials, one at a time, so trials run side by side on the cores
// and a trial that crashes or runs out of memory costs that trial, not the sweep.
import { serveTasks } from '../workers/serve-tasks'
import { crossValidate, type TrialTask } from './objective'

serveTasks({ trial: (task: TrialTask) => crossValidate(task) })
