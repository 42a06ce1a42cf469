// The detection worker thread: loads a saved model once and streams recordings through it, so
// that untrusted audio is decoded, and TensorFlow.js runs, off the caller's thread (the studio's
// main process, the CLI's event loop). A pool of these detects several files at once.
import { serveTasks } from '../workers/serve-tasks'
import { detectorInfo, detectRecording, type DetectFileTask } from './detect'
import { loadDetector, type Detector, type WindowOverride } from './detector'

/** The detectors this worker has loaded, by model and windows: every file of a job uses one. */
const loaded = new Map<string, Promise<Detector>>()

function detectorFor(modelPath: string, window: WindowOverride): Promise<Detector> {
  const key = JSON.stringify([modelPath, window.seconds ?? null, window.hop ?? null])
  let detector = loaded.get(key)
  if (!detector) {
    detector = loadDetector(modelPath, window)
    // A model that failed to load is tried again next time (it may have been written since).
    detector.catch(() => loaded.delete(key))
    loaded.set(key, detector)
  }
  return detector
}

const tasks = {
  /** What the model is, its classes and windows (loading it for the files to come). */
  describe: async ({ modelPath, window }: { modelPath: string; window: WindowOverride }) =>
    detectorInfo(await detectorFor(modelPath, window)),
  /** One file's detections. */
  detect: async (task: DetectFileTask) =>
    detectRecording(await detectorFor(task.modelPath, task.window), task.path, task.rules),
}

/** What this worker serves, for the pools that run it (import it as a type only). */
export type DetectWorkerTasks = typeof tasks

serveTasks(tasks)
