// The worker thread that computes clip features for training and prediction (summary vectors for
// the trees, fixed-shape log-mel or MFCC matrices for the deep models), so that decoding and
// feature extraction run on every core and a damaged file costs only itself.
import { loadAudio } from '../audio'
import { resolveFeatureConfig, type FeatureConfig, type FeatureConfigInput } from '../features'
import { deepFeatures, deepFeatureSchema, type DeepFeatureConfig } from '../training/features'
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
  deep: async ({ path, recipe }: { path: string; recipe: DeepFeatureConfig }) => {
    const r = deepFeatureSchema.parse(recipe)
    const audio = await loadAudio(path, { sampleRate: r.sampleRate, mono: true })
    const samples = audio.channels[0]
    if (!samples) throw new Error(`${path} has no audio channel`)
    return deepFeatures(samples, r)
  },
})
