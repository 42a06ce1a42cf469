// Feature sets: a named pipeline + feature configuration in the catalog, its features
// cached on disk by clip content and parameter hashes, and the matrices training reads.
export {
  cachePath,
  cacheRoot,
  decodeFrames,
  decodeSummary,
  encodeFrames,
  encodeSummary,
  type CachedPiece,
} from './cache'
export {
  computeClipFeatures,
  computeClipView,
  preprocessClip,
  viewPaths,
  VIEW_FEATURES,
  type ClipFeatureResult,
  type ClipFeatureTask,
  type ClipViewFacts,
} from './compute'
export { writeSummaryCsv } from './csv'
export { computeFeatureSet, type ComputeFeatureSetOptions } from './job'
export {
  canonicalJson,
  FEATURE_DEPENDS,
  frameKey,
  paramsHash,
  pipelineKey,
  stableHash,
  summaryKey,
  waveformKey,
} from './keys'
export {
  ensureComputed,
  featureSetParamsOf,
  loadFeatureMatrix,
  loadFileFeatureMatrix,
  matrixOfClips,
  type FeatureMatrix,
  type ImageMatrix,
  type LoadFeatureMatrixOptions,
  type MatrixClip,
  type MatrixKind,
  type MatrixOfKind,
  type SequenceMatrix,
  type SummaryMatrix,
  type WaveformMatrix,
} from './matrix'
export {
  assertComputable,
  createFeatureSet,
  getFeatureSet,
  listFeatureSets,
  paramsOf,
  removeFeatureSet,
  resolveFeatureSetParams,
  updateFeatureSet,
  type FeatureSetParams,
} from './sets'
export { encodePcm16Wav } from './wav'
export { clipFeatureView, resolveFeatureMedia, type FeatureViewRunners } from './media'
