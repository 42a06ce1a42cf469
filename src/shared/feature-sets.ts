/**
 * Feature sets as the API shows them: a named preprocessing pipeline plus a feature
 * configuration, and what the studio draws of one clip under a set. Declared once for the studio
 * and the renderer. The binary answers of the `features/<clipId>?set=&kind=` media route are
 * described here too, so both ends read the same layout.
 */
import type { Pipeline } from './preprocess'

/** A feature set of the project. */
export interface FeatureSetInfo {
  id: number
  name: string
  /** The preprocessing steps, complete (defaults filled in). */
  pipeline: Pipeline
  /** The feature configuration, complete (librosa's names in camelCase, defaults filled in). */
  config: Record<string, unknown>
  /** A stable hash of pipeline and configuration: equal hashes, equal features. */
  paramsHash: string
  /** Names of the clip summary columns (`mfcc_3_mean`), in order. */
  summaryNames: string[]
  createdAt: string
  updatedAt: string
}

/** What computing a feature set did. */
export interface FeatureComputeSummary {
  setId: number
  /** Clips whose features were computed now. */
  computed: number
  /** Clips whose features were already in the cache. */
  cached: number
  /** Rows (pieces after segmentation) over all clips. */
  rows: number
  failed: { path: string; reason: string }[]
  seconds: number
}

/** Images the studio draws for a clip under a set. */
export const FEATURE_IMAGE_KINDS = ['logmel', 'mfcc', 'chroma'] as const
/** One of them. */
export type FeatureImageKind = (typeof FEATURE_IMAGE_KINDS)[number]
/** What `features/<clipId>?set=&kind=` serves: an image, or the preprocessed waveform's peaks. */
export type FeatureMediaKind = FeatureImageKind | 'peaks'

/** One clip seen through a feature set: the whole clip preprocessed without its segmentation. */
export interface FeatureClipView {
  clipId: number
  setId: number
  /** Rate of the preprocessed audio, Hz. */
  sampleRate: number
  /** Seconds of the original and of the preprocessed audio. */
  duration: number
  preprocessedDuration: number
  /** Seconds between image columns (the hop). */
  hopSeconds: number
  /** Pieces the set's segmentation cuts the clip into (seconds of the original clip). */
  pieces: { start: number; end: number }[]
  /** Shape and value range of each image. */
  images: Record<FeatureImageKind, { nFrames: number; nValues: number; min: number; max: number }>
}

/**
 * An image as the media route sends it, little-endian: u32 nFrames, u32 nValues, f32 min, f32 max,
 * then nFrames x nValues float32 values, frame after frame (value i of frame t at t * nValues + i).
 */
export function decodeFeatureImage(bytes: ArrayBuffer): {
  nFrames: number
  nValues: number
  min: number
  max: number
  data: Float32Array
} {
  const view = new DataView(bytes)
  const nFrames = view.getUint32(0, true)
  const nValues = view.getUint32(4, true)
  return {
    nFrames,
    nValues,
    min: view.getFloat32(8, true),
    max: view.getFloat32(12, true),
    data: new Float32Array(bytes, 16, nFrames * nValues),
  }
}
