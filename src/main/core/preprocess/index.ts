// Preprocessing: resample, mono, normalise, trim, pad/crop, segment and denoise, as an
// ordered pipeline of optional steps (schema in @shared/preprocess). Plain functions on Float32Array audio.
export { lengthOf, monoOf, nonSilentFrames, type Audio } from './levels'
export { normalize } from './normalize'
export { trimSilence } from './trim'
export { fixLength, mixSeed, seededRandom } from './fix-length'
export { cut, energyEvents, fixedWindows, type EventOptions, type Span } from './segment'
export { istft, smooth, spectralGate, triangle, type NoiseSource, type SpectralGateOptions } from './denoise'
export {
  resolvePipeline,
  runPipeline,
  runPipelineAtRate,
  withoutSegmentation,
  type Piece,
  type Preprocessed,
  type RunPipelineOptions,
} from './pipeline'
