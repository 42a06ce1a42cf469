import { z } from 'zod'
import { EarmarkError } from '../errors'
import { isSummaryStat, type SummaryStat } from './stats'
import { STFT_PAD_MODES } from './stft'
import { WINDOW_NAMES } from './windows'

/** The features a feature set can compute, by the names their summary columns start with. */
export const FEATURE_NAMES = [
  'logmel',
  'mfcc',
  'mfcc_delta',
  'mfcc_delta2',
  'chroma',
  'spectral_centroid',
  'spectral_bandwidth',
  'spectral_rolloff',
  'spectral_flatness',
  'spectral_contrast',
  'zcr',
  'rms',
] as const
/** One computable feature. */
export type FeatureName = (typeof FEATURE_NAMES)[number]

/** Features with one value per frame: their summary names carry no row index (`zcr_mean`, not `zcr_0_mean`). */
export const SCALAR_FEATURES: ReadonlySet<FeatureName> = new Set([
  'spectral_centroid',
  'spectral_bandwidth',
  'spectral_rolloff',
  'spectral_flatness',
  'zcr',
  'rms',
])

const whole = (min: number) => z.number().int().min(min)

/**
 * A feature set's parameters, named after librosa's (camelCase) with librosa's defaults. Strict:
 * a misspelt name is an error. Parsing fills in the defaults that depend on other fields (hop,
 * winLength, fmax), so the output is complete and can be hashed as it is.
 */
export const featureConfigSchema = z
  .strictObject({
    sampleRate: z.number().positive().default(22050).describe('`sr`: sample rate the samples are at, Hz.'),
    nFft: whole(2).default(2048).describe('`n_fft`: FFT length; powers of two are fastest, any length works.'),
    hop: whole(1).optional().describe('`hop_length`: samples between frames; default winLength // 4.'),
    winLength: whole(1).optional().describe('`win_length`: window length <= nFft, centred in nFft; default nFft.'),
    window: z.enum(WINDOW_NAMES).default('hann').describe('`window`: periodic analysis window.'),
    center: z
      .boolean()
      .default(true)
      .describe('`center`: pad nFft // 2 on both sides so frame t is centred on t * hop.'),
    padMode: z.enum(STFT_PAD_MODES).default('constant').describe('`pad_mode` used by center: zeros or mirror.'),
    nMels: whole(1).default(128).describe('`n_mels`: mel bands.'),
    fmin: z.number().min(0).default(0).describe('`fmin`: lowest mel frequency, Hz.'),
    fmax: z
      .number()
      .positive()
      .nullable()
      .default(null)
      .describe('`fmax`: highest mel frequency, Hz; null: sampleRate / 2.'),
    htk: z.boolean().default(false).describe('`htk`: HTK mel formula instead of Slaney.'),
    melNorm: z
      .literal('slaney')
      .nullable()
      .default('slaney')
      .describe('`norm` of the mel filters: slaney area normalisation or none.'),
    topDb: z
      .number()
      .min(0)
      .nullable()
      .default(80)
      .describe('`top_db` of power_to_db (ref 1.0, amin 1e-10); null: no floor.'),
    nMfcc: whole(1).default(20).describe('`n_mfcc`: MFCCs kept (DCT-II orthonormal of the log-mel).'),
    lifter: z.number().min(0).default(0).describe('`lifter` of the MFCCs; 0: none.'),
    deltaWidth: whole(3)
      .refine((v) => v % 2 === 1, 'deltaWidth must be odd')
      .default(9)
      .describe('`width` of librosa.feature.delta for mfcc_delta and mfcc_delta2.'),
    nChroma: whole(1).default(12).describe('`n_chroma`: chroma bins.'),
    tuning: z
      .number()
      .default(0)
      .describe('`tuning` of chroma_stft in fractions of a bin (fixed; librosa would estimate it).'),
    rollPercent: z.number().gt(0).lt(1).default(0.85).describe('`roll_percent` of spectral_rolloff.'),
    contrastFmin: z.number().positive().default(200).describe('`fmin` of spectral_contrast, Hz.'),
    contrastBands: whole(1)
      .default(6)
      .describe('`n_bands` of spectral_contrast; contrastFmin * 2^(n_bands - 1) must stay below Nyquist (4 at 8 kHz).'),
    contrastQuantile: z.number().gt(0).lt(1).default(0.02).describe('`quantile` of spectral_contrast.'),
    features: z
      .array(z.enum(FEATURE_NAMES))
      .min(1)
      .refine((f) => new Set(f).size === f.length, 'a feature is listed twice')
      .default(['logmel', 'mfcc'])
      .describe('Features to compute, in the order their summary columns appear.'),
    stats: z
      .array(z.string().refine(isSummaryStat, 'a statistic is mean, std, min, max or p0…p100'))
      .min(1)
      .refine((s) => new Set(s).size === s.length, 'a statistic is listed twice')
      .default(['mean', 'std', 'min', 'max'])
      .describe('Summary statistics over frames, in column order: mean, std (ddof 0), min, max, pN (numpy linear).'),
  })
  .superRefine((c, ctx) => {
    if (c.winLength !== undefined && c.winLength > c.nFft) {
      ctx.addIssue({ code: 'custom', path: ['winLength'], message: `winLength must be <= nFft (${c.nFft})` })
    }
    const fmax = c.fmax ?? c.sampleRate / 2
    if (fmax <= c.fmin) ctx.addIssue({ code: 'custom', path: ['fmax'], message: `fmax must be above fmin (${c.fmin})` })
  })
  .transform((c) => {
    const winLength = c.winLength ?? c.nFft
    return {
      ...c,
      winLength,
      hop: c.hop ?? Math.floor(winLength / 4),
      fmax: c.fmax ?? c.sampleRate / 2,
      stats: c.stats as SummaryStat[],
    }
  })

/** A feature set's parameters as given (any may be left out). */
export type FeatureConfigInput = z.input<typeof featureConfigSchema>
/** A feature set's parameters, complete. */
export type FeatureConfig = z.output<typeof featureConfigSchema>

const resolved = new WeakSet<object>()

/**
 * Checks a feature configuration and fills in its defaults; an invalid one is an invalid-input
 * error naming the field. A configuration this function returned passes through untouched, so a
 * job that resolves once pays for validation once, not per clip.
 */
export function resolveFeatureConfig(config: FeatureConfigInput | FeatureConfig = {}): FeatureConfig {
  if (resolved.has(config)) return config as FeatureConfig
  const parsed = featureConfigSchema.safeParse(config)
  if (!parsed.success) {
    throw new EarmarkError(
      'invalid-input',
      `bad feature configuration: ${z.prettifyError(parsed.error)}`,
      parsed.error.issues,
    )
  }
  // Frozen, so a caller cannot change a configuration after it was checked.
  const frozen = Object.freeze({
    ...parsed.data,
    features: Object.freeze([...parsed.data.features]),
    stats: Object.freeze([...parsed.data.stats]),
  })
  resolved.add(frozen)
  return frozen as FeatureConfig
}
