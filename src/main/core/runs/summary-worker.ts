// The worker thread that computes clip summary vectors for training and prediction, so that
// decoding and feature extraction run on every core and a damaged file costs only itself.
import { resolveFeatureConfig, type FeatureConfig, type FeatureConfigInput } from '../features'
import { serveTasks } from '../workers/serve-tasks'
import { clipSummary } from './summary'

// A configuration arrives as a copy with every task; resolve each distinct one once.
const resolved = new Map<string, FeatureConfig>()

serveTasks({
  summary: ({ path, config }: { path: string; config: FeatureConfigInput }) => {
    const key = JSON.stringify(config)
    let c = resolved.get(key)
    if (!c) {
      c = resolveFeatureConfig(config)
      resolved.set(key, c)
    }
    return clipSummary(path, c)
  },
})
