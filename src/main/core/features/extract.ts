import { EarmarkError } from '../errors'
import { chromaStft } from './chroma'
import {
  resolveFeatureConfig,
  SCALAR_FEATURES,
  type FeatureConfig,
  type FeatureConfigInput,
  type FeatureName,
} from './config'
import { powerToDbInto } from './db'
import { delta } from './delta'
import { frameMatrix, toRows, type FrameMatrix } from './frames'
import { applyMelFilterbank, melFilterbank, type MelFilterbank } from './mel'
import { dctFrames, lifterWeights, planDct } from './mfcc'
import { planLogmelMfcc, type LogmelMfccSettings } from './logmel'
import { spectralBandwidth, spectralCentroid, spectralContrast, spectralFlatness, spectralRolloff } from './spectral'
import { summarizeFrames } from './stats'
import { spectrogram, type StftPadMode } from './stft'
import { rms, zeroCrossingRate } from './temporal'
import type { WindowName } from './windows'

/** What `extractFeatures` returns: each requested feature as a frame-major matrix over the same frames. */
export interface ExtractedFeatures {
  /** Sample rate of the input, Hz. */
  readonly sampleRate: number
  /** Frames per matrix (all features share the STFT's framing). */
  readonly nFrames: number
  /** The requested features, by name. */
  readonly matrices: Readonly<Partial<Record<FeatureName, FrameMatrix>>>
}

/**
 * Computes a feature set's features for one clip (mono samples at `sampleRate`, which must be the
 * configuration's: resampling is a preprocessing step). Pure: no I/O, no cache beyond the plans
 * (window, FFT tables, filterbanks) reused across clips with the same parameters.
 *
 * Every feature uses the STFT's framing (nFft, hop, center); zcr and rms use frame_length = nFft
 * and hop_length = hop, so all matrices have the same frames, as librosa users line them up.
 */
export function extractFeatures(
  samples: Float32Array,
  sampleRate: number,
  config: FeatureConfigInput | FeatureConfig = {},
  /** Mel filters to use instead of the configuration's (vocal-tract-length perturbation warps them). */
  options: { melFilterbank?: MelFilterbank } = {},
): ExtractedFeatures {
  const c = resolveFeatureConfig(config)
  if (sampleRate !== c.sampleRate) {
    throw new EarmarkError(
      'invalid-input',
      `the samples are at ${sampleRate} Hz; this feature set expects ${c.sampleRate} Hz (resample first)`,
    )
  }
  const wanted = new Set(c.features)
  const needs = (...names: FeatureName[]): boolean => names.some((n) => wanted.has(n))
  const matrices: Partial<Record<FeatureName, FrameMatrix>> = {}
  const spectral = [
    'spectral_centroid',
    'spectral_bandwidth',
    'spectral_rolloff',
    'spectral_flatness',
    'spectral_contrast',
  ] as const
  if (needs('logmel', 'mfcc', 'mfcc_delta', 'mfcc_delta2', 'chroma', ...spectral)) {
    const power = spectrogram(samples, stftOptions(c))
    if (needs('logmel', 'mfcc', 'mfcc_delta', 'mfcc_delta2')) {
      const { logmel, mfcc } = logmelMfccFromPower(power, c, options.melFilterbank)
      if (wanted.has('logmel')) matrices.logmel = logmel
      if (wanted.has('mfcc')) matrices.mfcc = mfcc
      if (wanted.has('mfcc_delta')) matrices.mfcc_delta = delta(mfcc, { width: c.deltaWidth, order: 1 })
      if (wanted.has('mfcc_delta2')) matrices.mfcc_delta2 = delta(mfcc, { width: c.deltaWidth, order: 2 })
    }
    if (wanted.has('chroma'))
      matrices.chroma = chromaStft(power, c.sampleRate, c.nFft, { nChroma: c.nChroma, tuning: c.tuning })
    if (needs(...spectral)) {
      const magnitude = frameMatrix(power.nFrames, power.nValues)
      for (let i = 0; i < magnitude.data.length; i++) magnitude.data[i] = Math.sqrt(power.data[i] as number)
      const { sampleRate: sr, nFft } = c
      const centroid = needs('spectral_centroid', 'spectral_bandwidth') ? spectralCentroid(magnitude, sr, nFft) : null
      if (wanted.has('spectral_centroid') && centroid) matrices.spectral_centroid = centroid
      if (wanted.has('spectral_bandwidth') && centroid) {
        matrices.spectral_bandwidth = spectralBandwidth(magnitude, sr, nFft, { centroid })
      }
      if (wanted.has('spectral_rolloff'))
        matrices.spectral_rolloff = spectralRolloff(magnitude, sr, nFft, c.rollPercent)
      if (wanted.has('spectral_flatness')) matrices.spectral_flatness = spectralFlatness(magnitude)
      if (wanted.has('spectral_contrast')) {
        matrices.spectral_contrast = spectralContrast(magnitude, sr, nFft, {
          fmin: c.contrastFmin,
          nBands: c.contrastBands,
          quantile: c.contrastQuantile,
        })
      }
    }
  }
  const framing = { frameLength: c.nFft, hopLength: c.hop, center: c.center }
  if (wanted.has('zcr')) matrices.zcr = zeroCrossingRate(samples, framing)
  if (wanted.has('rms')) matrices.rms = rms(samples, { ...framing, padMode: c.padMode })
  const nFrames = Object.values(matrices)[0]?.nFrames ?? 0
  return { sampleRate, nFrames, matrices }
}

/** Rows each feature has under a configuration (1 for the scalar features). */
export function featureRows(feature: FeatureName, config: FeatureConfig): number {
  switch (feature) {
    case 'logmel':
      return config.nMels
    case 'mfcc':
    case 'mfcc_delta':
    case 'mfcc_delta2':
      return Math.min(config.nMfcc, config.nMels)
    case 'chroma':
      return config.nChroma
    case 'spectral_contrast':
      return config.contrastBands + 1
    case 'spectral_centroid':
    case 'spectral_bandwidth':
    case 'spectral_rolloff':
    case 'spectral_flatness':
    case 'zcr':
    case 'rms':
      return 1
    default:
      throw missingCase(feature)
  }
}

/**
 * The names of a feature set's summary columns, stable across clips and versions:
 * `<feature>_<row>_<stat>` (`mfcc_3_mean`, `logmel_12_std`, rows from 0 as in librosa's arrays) or
 * `<feature>_<stat>` for one-value features (`spectral_centroid_p90`), in the order of
 * `config.features`, then rows, then `config.stats`.
 */
export function summaryNames(config: FeatureConfigInput | FeatureConfig = {}): string[] {
  const c = resolveFeatureConfig(config)
  const names: string[] = []
  for (const feature of c.features) {
    const rows = featureRows(feature, c)
    for (let r = 0; r < rows; r++) {
      const prefix = SCALAR_FEATURES.has(feature) ? feature : `${feature}_${r}`
      for (const stat of c.stats) names.push(`${prefix}_${stat}`)
    }
  }
  return names
}

/**
 * A clip's summary vector for traditional models: each feature row's statistics over frames, in
 * `summaryNames` order, float64.
 */
export function summaryVector(
  features: ExtractedFeatures,
  config: FeatureConfigInput | FeatureConfig = {},
): { names: string[]; values: Float64Array } {
  const c = resolveFeatureConfig(config)
  const names = summaryNames(c)
  const values = new Float64Array(names.length)
  let offset = 0
  for (const feature of c.features) {
    const matrix = features.matrices[feature]
    if (!matrix)
      throw new EarmarkError(
        'invalid-input',
        `the extracted features lack ${feature}; extract them with the same configuration`,
      )
    const stats = summarizeFrames(matrix, c.stats)
    values.set(stats, offset)
    offset += stats.length
  }
  if (offset !== names.length)
    throw new EarmarkError('invalid-input', 'the extracted features do not match the configuration')
  return { names, values }
}

/** Parameters of `logmelAndMfcc`, as the `earmark features` CLI flags (defaults librosa's). */
export interface LogmelMfccParams {
  /** `--n-fft`, librosa `n_fft`. Default 2048. */
  nFft?: number
  /** `--hop`, librosa `hop_length`. Default nFft // 4. */
  hop?: number
  /** `--n-mels`, librosa `n_mels`. Default 128. */
  nMels?: number
  /** `--fmin`, Hz. Default 0. */
  fmin?: number
  /** `--fmax`, Hz; null or absent: sr / 2. */
  fmax?: number | null
  /** `--n-mfcc`. Default 20. */
  nMfcc?: number
  /** `--center/--no-center`. Default true. */
  center?: boolean
  /** `--pad-mode constant|reflect`. Default 'constant'. */
  padMode?: StftPadMode
}

/** What `earmark features FILE --json` prints: librosa's layout, one row per mel band or coefficient. */
export interface LogmelMfccJson {
  /** Sample rate of the samples, Hz. */
  sampleRate: number
  /** `n_mels` rows, each the band's dB value per frame. */
  logmel: number[][]
  /** `n_mfcc` rows, each the coefficient per frame. */
  mfcc: number[][]
}

/**
 * The CLI's log-mel and MFCC, as librosa computes them: power spectrogram (periodic Hann window),
 * Slaney mel with Slaney norm, `power_to_db(ref=1.0, amin=1e-10, top_db=80)`, MFCC the orthonormal
 * DCT-II of that log-mel.
 */
export function logmelAndMfcc(
  samples: Float32Array,
  sampleRate: number,
  params: LogmelMfccParams = {},
): LogmelMfccJson {
  const { logmel, mfcc } = computeLogmelMfcc(samples, sampleRate, params)
  return { sampleRate, logmel: toRows(logmel), mfcc: toRows(mfcc) }
}

/** `logmelAndMfcc` as frame-major matrices, without the conversion to JSON rows (the fast path for jobs and benchmarks). */
export function computeLogmelMfcc(
  samples: Float32Array,
  sampleRate: number,
  params: LogmelMfccParams = {},
): { logmel: FrameMatrix; mfcc: FrameMatrix } {
  const c = resolveFeatureConfig({
    sampleRate,
    nFft: params.nFft ?? 2048,
    hop: params.hop,
    nMels: params.nMels ?? 128,
    fmin: params.fmin ?? 0,
    fmax: params.fmax ?? null,
    nMfcc: params.nMfcc ?? 20,
    center: params.center ?? true,
    padMode: params.padMode ?? 'constant',
  })
  return planLogmelMfcc(logmelSettings(c)).compute(samples)
}

/** The log-mel + MFCC part of a feature configuration. */
export function logmelSettings(c: FeatureConfig): LogmelMfccSettings {
  return {
    stft: stftOptions(c),
    mel: { sr: c.sampleRate, nFft: c.nFft, nMels: c.nMels, fmin: c.fmin, fmax: c.fmax, htk: c.htk, norm: c.melNorm },
    topDb: c.topDb,
    nMfcc: c.nMfcc,
    lifter: c.lifter,
  }
}

/** Log-mel (power_to_db of the mel power) and MFCC from a power spectrogram: the same numbers as the fused plan. */
function logmelMfccFromPower(
  power: FrameMatrix,
  c: FeatureConfig,
  filterbank?: MelFilterbank,
): { logmel: FrameMatrix; mfcc: FrameMatrix } {
  const settings = logmelSettings(c)
  const logmel = applyMelFilterbank(power, filterbank ?? melFilterbank(settings.mel))
  powerToDbInto(logmel.data, logmel.data, { ref: 1, amin: 1e-10, topDb: c.topDb })
  const nOut = Math.min(c.nMfcc, c.nMels)
  const mfcc = frameMatrix(logmel.nFrames, nOut)
  dctFrames(logmel.data, mfcc.data, logmel.nFrames, planDct({ nOut, nIn: c.nMels }), lifterWeights(nOut, c.lifter))
  return { logmel, mfcc }
}

function stftOptions(c: FeatureConfig): {
  nFft: number
  hopLength: number
  winLength: number
  window: WindowName
  center: boolean
  padMode: StftPadMode
} {
  return {
    nFft: c.nFft,
    hopLength: c.hop,
    winLength: c.winLength,
    window: c.window,
    center: c.center,
    padMode: c.padMode,
  }
}

function missingCase(x: never): Error {
  return new Error(`unhandled case: ${String(x)}`)
}
