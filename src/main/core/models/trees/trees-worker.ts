// The worker thread that grows trees for the forest and for boosting, so that both train on every
// core. It reads each task from a message; the training data arrive in shared memory, not copied.
import { serveTasks } from '../../workers/serve-tasks'
import { growBoostingTrees } from './boosting-trees'
import { growForestShare } from './forest-trees'

const tasks = { growForestShare, growBoostingTrees }

/** What this worker serves, for the pools that run it (import it as a type only). */
export type TreesWorkerTasks = typeof tasks

serveTasks(tasks)
