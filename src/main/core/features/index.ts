// Feature extraction with librosa's numerics: pure functions on Float32Array samples.
export { planRealFft, ComplexFft, isPowerOfTwo, type RealFft } from './fft'
export { frameMatrix, fromRows, toRows, valueOverFrames, type FrameMatrix } from './frames'
export { getWindow, padCenter, WINDOW_NAMES, type WindowName } from './windows'
export { padSignal, type PadMode } from './padding'
export {
  fftFrequencies,
  frameCount,
  magnitude,
  planStft,
  REUSED_PADDING,
  resolveStftOptions,
  spectrogram,
  stft,
  STFT_PAD_MODES,
  type ComplexSpectrogram,
  type SpectrogramOptions,
  type StftOptions,
  type StftPadMode,
  type StftPlan,
} from './stft'
export {
  applyMelFilterbank,
  hzToMel,
  melFilterbank,
  melFrame,
  melFrequencies,
  melToHz,
  type MelFilterbank,
  type MelOptions,
} from './mel'
export { maxOf, powerToDb, powerToDbInto, type PowerToDbOptions } from './db'
export { dctFrames, dctMatrix, lifterWeights, mfcc, planDct, type DctPlan, type MfccOptions } from './mfcc'
export { delta, savgolWeights, type DeltaOptions } from './delta'
export { chromaFilterbank, chromaStft, type ChromaFilterOptions, type ChromaOptions } from './chroma'
export {
  spectralBandwidth,
  spectralCentroid,
  spectralContrast,
  spectralFlatness,
  spectralRolloff,
  type BandwidthOptions,
  type ContrastOptions,
  type FlatnessOptions,
} from './spectral'
export { rms, rmsFromSpectrogram, zeroCrossingRate, type RmsOptions, type ZeroCrossingOptions } from './temporal'
export { isSummaryStat, percentileOfSorted, summarize, summarizeFrames, type SummaryStat } from './stats'
export {
  FEATURE_NAMES,
  featureConfigSchema,
  resolveFeatureConfig,
  SCALAR_FEATURES,
  type FeatureConfig,
  type FeatureConfigInput,
  type FeatureName,
} from './config'
export { planLogmelMfcc, type LogmelMfccPlan, type LogmelMfccSettings } from './logmel'
export {
  computeLogmelMfcc,
  extractFeatures,
  featureRows,
  logmelAndMfcc,
  logmelSettings,
  summaryNames,
  summaryVector,
  type ExtractedFeatures,
  type LogmelMfccJson,
  type LogmelMfccParams,
} from './extract'
