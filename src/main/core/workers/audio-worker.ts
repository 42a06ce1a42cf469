// The worker thread that reads untrusted audio for import, so a decoder failure costs one file.
import type { SpectrogramRequest } from '@shared/spectrogram'
import { computeClipFeatures, computeClipView } from '../feature-sets/compute'
import { inspectFile } from '../import/inspect'
import { computePeaks } from '../media/peaks'
import { computeSpectrogram } from '../media/spectrogram'
import { serveTasks } from './serve-tasks'

serveTasks({
  inspect: inspectFile,
  peaks: computePeaks,
  // Feature sets (issue 5): a clip's features into the cache, and what the studio shows of it.
  features: computeClipFeatures,
  featureView: computeClipView,
  spectrogram: ({ path, request }: { path: string; request: SpectrogramRequest }) => computeSpectrogram(path, request),
})
