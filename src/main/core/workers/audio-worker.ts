// The worker thread that reads untrusted audio. Every task that decodes a file's bytes runs here,
// whichever domain asks (import, the media routes, feature sets), so that untrusted bytes never
// reach the main thread, a decoder failure costs one file, and one pool sized to the cores bounds
// how many files the studio decodes at once. It is the one worker that serves several domains:
// it sits with the pool machinery rather than beside any one of them.
import type { SpectrogramRequest } from '@shared/spectrogram'
import { computeAugmentedCopies } from '../augment/copies'
import { computeRecordingWindows } from '../detection/recording-windows'
import { decodeMonoSamples } from '../embeddings/mono-samples'
import { computeClipFeatures, computeClipView } from '../feature-sets/compute'
import { inspectFile } from '../import/inspect'
import { computePeaks } from '../media/peaks'
import { computeSpectrogram } from '../media/spectrogram'
import { serveTasks } from './serve-tasks'

const tasks = {
  inspect: inspectFile,
  peaks: computePeaks,
  // Feature sets: a clip's features into the cache, and what the studio shows of it.
  features: computeClipFeatures,
  featureView: computeClipView,
  // Deep training: augmented copies of a training clip (pitch, speed, noise … then its features).
  augmentedCopies: computeAugmentedCopies,
  // Training on regions: the inputs of a recording's windows.
  recordingWindows: computeRecordingWindows,
  // Embeddings: a recording's mono samples at the base's rate.
  monoSamples: decodeMonoSamples,
  spectrogram: ({ path, request }: { path: string; request: SpectrogramRequest }) => computeSpectrogram(path, request),
}

/** What this worker serves, for the pools that run it (import it as a type only). */
export type AudioWorkerTasks = typeof tasks

serveTasks(tasks)
