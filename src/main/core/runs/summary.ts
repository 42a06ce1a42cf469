import { stableHash } from '../feature-sets/keys'
import { loadAudio } from '../audio'
import {
  extractFeatures,
  resolveFeatureConfig,
  summaryVector,
  type FeatureConfig,
  type FeatureConfigInput,
} from '../features'

/*
 * Clip summary vectors for the tree models: the features module's statistics over frames, one row
 * per clip. Training reaches them only through `loadSummaryFeatures` (features.ts), so that a
 * cached feature-set store can take its place without touching the rest.
 */

/**
 * The feature set trees train on when none is given: at the clips' own sample rate, ~25 ms frames
 * (the power of two at or above, so 256 samples at 8 kHz, 512 at 16 kHz) with a quarter hop, 40 mel
 * bands, 20 MFCCs, the scalar spectral features, zero-crossing rate and RMS, each summarised by
 * mean, standard deviation, minimum and maximum: 104 columns. Frame lengths follow the rate because
 * librosa's 2048-sample default spans a quarter of a second at 8 kHz, longer than a syllable. On
 * fsdd-dev this gave 97-99% test accuracy with both tree models; adding MFCC deltas doubled gradient
 * boosting's fit time for no gain.
 */
export function defaultSummaryConfig(sampleRate: number): FeatureConfig {
  const nFft = Math.max(256, 2 ** Math.ceil(Math.log2(0.025 * sampleRate)))
  return resolveFeatureConfig({
    sampleRate,
    nFft,
    hop: nFft / 4,
    nMels: 40,
    nMfcc: 20,
    features: [
      'mfcc',
      'spectral_centroid',
      'spectral_bandwidth',
      'spectral_rolloff',
      'spectral_flatness',
      'zcr',
      'rms',
    ],
    stats: ['mean', 'std', 'min', 'max'],
  })
}

/** A stable hash of a complete feature configuration: equal hashes, equal features. */
export function featureConfigHash(config: FeatureConfig): string {
  return stableHash(config)
}

/** One clip's summary vector: decoded, mixed to mono, resampled to the configuration's rate. */
export async function clipSummary(path: string, config: FeatureConfigInput | FeatureConfig): Promise<Float64Array> {
  const c = resolveFeatureConfig(config)
  const audio = await loadAudio(path, { sampleRate: c.sampleRate, mono: true })
  const samples = audio.channels[0]
  if (!samples) throw new Error(`${path} has no audio channel`)
  return summaryVector(extractFeatures(samples, c.sampleRate, c), c).values
}
