// The worker thread that reads untrusted audio for import, so a decoder failure costs one file.
import { inspectFile } from '../import/inspect'
import { computePeaks } from '../media/peaks'
import { serveTasks } from './serve-tasks'

serveTasks({ inspect: inspectFile, peaks: computePeaks })
