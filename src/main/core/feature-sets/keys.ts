import { createHash } from 'node:crypto'
import type { Pipeline } from '@shared/preprocess'
import type { FeatureConfig, FeatureName } from '../features'

/**
 * Bumped when a change to preprocessing or feature code changes numbers already cached, so that
 * old cache entries are never read as current ones.
 */
const FEATURE_CACHE_VERSION = 1

/** JSON with object keys sorted, so that equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** 16 hex digits of SHA-256 over the canonical JSON. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16)
}

const STFT = ['nFft', 'hop', 'winLength', 'window', 'center', 'padMode'] as const
const MEL = [...STFT, 'nMels', 'fmin', 'fmax', 'htk', 'melNorm', 'topDb'] as const
const MFCC = [...MEL, 'nMfcc', 'lifter'] as const

/** The configuration fields each feature's frames depend on (the sample rate is in the pipeline key). */
export const FEATURE_DEPENDS: Record<FeatureName, readonly (keyof FeatureConfig)[]> = {
  logmel: MEL,
  mfcc: MFCC,
  mfcc_delta: [...MFCC, 'deltaWidth'],
  mfcc_delta2: [...MFCC, 'deltaWidth'],
  chroma: [...STFT, 'nChroma', 'tuning'],
  spectral_centroid: STFT,
  spectral_bandwidth: STFT,
  spectral_rolloff: [...STFT, 'rollPercent'],
  spectral_flatness: STFT,
  spectral_contrast: [...STFT, 'contrastFmin', 'contrastBands', 'contrastQuantile'],
  zcr: ['nFft', 'hop', 'center'],
  rms: ['nFft', 'hop', 'center', 'padMode'],
}

/** The hash of everything that fixes a clip's preprocessed audio: the steps, then mono at the feature rate. */
export function pipelineKey(pipeline: Pipeline, sampleRate: number): string {
  return stableHash({ v: FEATURE_CACHE_VERSION, pipeline, sampleRate })
}

/** The hash of one feature's frames: the preprocessing and only the parameters that feature reads. */
export function frameKey(pipeline: Pipeline, config: FeatureConfig, feature: FeatureName): string {
  const params = Object.fromEntries(FEATURE_DEPENDS[feature].map((k) => [k, config[k]]))
  return stableHash({ pipeline: pipelineKey(pipeline, config.sampleRate), feature, params })
}

/** The hash of a clip's preprocessed samples (mono at the feature rate), for models that take audio. */
export function waveformKey(pipeline: Pipeline, sampleRate: number): string {
  return stableHash({ pipeline: pipelineKey(pipeline, sampleRate), feature: 'waveform' })
}

/** The hash of one feature's summary statistics: its frames and the statistics asked for. */
export function summaryKey(pipeline: Pipeline, config: FeatureConfig, feature: FeatureName): string {
  return stableHash({ frames: frameKey(pipeline, config, feature), stats: config.stats })
}

/** The feature set's own hash: the whole pipeline and configuration. */
export function paramsHash(pipeline: Pipeline, config: FeatureConfig): string {
  return stableHash({ v: FEATURE_CACHE_VERSION, pipeline, config })
}
