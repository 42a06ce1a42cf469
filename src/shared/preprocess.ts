/**
 * Preprocessing pipelines: an ordered list of optional steps applied to a clip's audio
 * before its features are computed. The schema lives in shared code so the studio's form and the
 * API validate exactly what the domain runs. Names and defaults follow librosa and noisereduce.
 */
import { z } from 'zod'

const seconds = z.number().finite().min(0).max(1e6)
const positiveSeconds = z.number().finite().gt(0).max(1e6)
const frameLength = z
  .number()
  .int()
  .min(2)
  .max(1 << 16)
const hopLength = z
  .number()
  .int()
  .min(1)
  .max(1 << 16)
const powerOfTwo = z
  .number()
  .int()
  .min(16)
  .max(1 << 15)
  .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')

/** `resample`: band-limited sinc resampling (libsamplerate) to `sampleRate` Hz. */
export const resampleStep = z
  .strictObject({
    step: z.literal('resample'),
    sampleRate: z.number().int().min(1000).max(384_000).describe('Target rate, Hz.'),
    quality: z.enum(['best', 'medium', 'fast']).default('best').describe('libsamplerate converter.'),
  })
  .describe('Resample to a fixed rate.')

/** `mono`: the mean of the channels, as librosa.to_mono. */
export const monoStep = z.strictObject({ step: z.literal('mono') }).describe('Mix down to one channel.')

/** `normalize`: scale the clip so its peak (or RMS) is `targetDb` dBFS. */
export const normalizeStep = z
  .strictObject({
    step: z.literal('normalize'),
    mode: z.enum(['peak', 'rms']).default('peak').describe('Match the largest |sample| or the root mean square.'),
    targetDb: z
      .number()
      .finite()
      .min(-120)
      .max(20)
      .optional()
      .describe('Target level, dBFS; default 0 for peak (librosa.util.normalize), -20 for rms.'),
  })
  .describe('Peak or RMS normalisation.')

/** `trim`: librosa.effects.trim: drop leading and trailing frames quieter than `topDb` below the loudest. */
export const trimStep = z
  .strictObject({
    step: z.literal('trim'),
    topDb: z.number().finite().gt(0).max(200).default(60).describe('`top_db`: silence threshold, dB below peak.'),
    frameLength: frameLength.default(2048).describe('`frame_length` of the RMS frames, samples.'),
    hop: hopLength.default(512).describe('`hop_length` between frames, samples.'),
    edges: z
      .enum(['librosa', 'tight'])
      .default('librosa')
      .describe(
        "Where the cut goes: librosa's (first active frame's centre to the last one's next hop: up to frameLength / 2 of silence kept) or tight (within one hop of the sound's edges).",
      ),
  })
  .describe('Trim leading and trailing silence.')

/** `fixLength`: pad with zeros or crop to exactly `seconds`. */
export const fixLengthStep = z
  .strictObject({
    step: z.literal('fixLength'),
    seconds: positiveSeconds.describe('Length of the result, seconds.'),
    mode: z
      .enum(['start', 'center', 'random'])
      .default('start')
      .describe(
        'Where the kept part (or the padding) goes: keep the start (pad at the end), centre, or a random offset.',
      ),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .default(0)
      .describe('Seed of the random offset (mixed with the clip content).'),
  })
  .describe('Pad or crop to a fixed length.')

/** `segment` into fixed windows: every `window` seconds, starting each `hop` seconds. */
export const fixedSegmentStep = z
  .strictObject({
    step: z.literal('segment'),
    mode: z.literal('fixed'),
    window: positiveSeconds.describe('Segment length, seconds.'),
    hop: positiveSeconds.optional().describe('Seconds between segment starts; default: the window (no overlap).'),
    last: z
      .enum(['pad', 'drop'])
      .default('pad')
      .describe('A final, partial window: zero-padded to the full length, or dropped.'),
  })
  .describe('Cut into fixed windows.')

/** `segment` into events: runs of frames louder than `topDb` below the loudest. */
export const eventSegmentStep = z
  .strictObject({
    step: z.literal('segment'),
    mode: z.literal('events'),
    topDb: z.number().finite().gt(0).max(200).default(30).describe('A frame is active above peak minus this, dB.'),
    frameLength: frameLength.default(1024).describe('RMS frame length, samples.'),
    hop: hopLength.default(256).describe('Samples between RMS frames.'),
    minGap: seconds.default(0.05).describe('Events closer than this are merged, seconds.'),
    minDuration: seconds.default(0).describe('Shorter events are dropped, seconds.'),
    padding: seconds.default(0).describe('Kept on both sides of each event, seconds.'),
  })
  .describe('Cut into events by energy.')

/** `denoise`: stationary spectral gating in the manner of noisereduce (Sainburg, 2020). */
export const denoiseStep = z
  .strictObject({
    step: z.literal('denoise'),
    noise: z
      .discriminatedUnion('from', [
        z.strictObject({
          from: z.literal('quietest'),
          fraction: z.number().gt(0).max(1).default(0.2).describe('Share of the quietest STFT frames taken as noise.'),
        }),
        z.strictObject({
          from: z.literal('range'),
          start: seconds.describe('Start of a noise-only region, seconds (of the audio as it reaches this step).'),
          end: positiveSeconds.describe('End of that region, seconds.'),
        }),
      ])
      .default({ from: 'quietest', fraction: 0.2 })
      .describe('Where the noise profile comes from.'),
    propDecrease: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe('`prop_decrease`: strength, 1 removes the gated noise fully, 0 leaves the clip as it is.'),
    nStdThresh: z
      .number()
      .min(0)
      .max(10)
      .default(1.5)
      .describe('`n_std_thresh_stationary`: gate at noise mean + this many standard deviations (dB, per bin).'),
    freqSmoothHz: z
      .number()
      .min(0)
      .max(20_000)
      .default(500)
      .describe(
        '`freq_mask_smooth_hz`: mask smoothing across frequency (noisereduce counts sr / (n_fft / 2) Hz per step). Its default 500 suits broadband sound; a pure tone loses ~10 dB to it: use 0–100 for tonal sounds.',
      ),
    timeSmoothMs: z
      .number()
      .min(0)
      .max(10_000)
      .default(50)
      .describe('`time_mask_smooth_ms`: mask smoothing across time.'),
    nFft: powerOfTwo.default(1024).describe('`n_fft` of the gating STFT (Hann window, hop nFft / 4).'),
  })
  .refine((s) => s.noise.from !== 'range' || s.noise.end > s.noise.start, {
    message: 'the noise range must end after it starts',
    path: ['noise', 'end'],
  })
  .describe('Spectral-gating noise reduction.')

/** One preprocessing step. */
export const preprocessStepSchema = z.union([
  resampleStep,
  monoStep,
  normalizeStep,
  trimStep,
  fixLengthStep,
  fixedSegmentStep,
  eventSegmentStep,
  denoiseStep,
])

/** A pipeline: steps in the order they run (each optional; at most 32). */
export const pipelineSchema = z.array(preprocessStepSchema).max(32).default([])

/** The kinds of step, as the `step` field names them. */
export const PREPROCESS_STEPS = ['resample', 'mono', 'normalize', 'trim', 'fixLength', 'segment', 'denoise'] as const

/** One step as given (defaults may be left out). */
export type PreprocessStepInput = z.input<typeof preprocessStepSchema>
/** One step, complete. */
export type PreprocessStep = z.output<typeof preprocessStepSchema>
/** A pipeline as given. */
export type PipelineInput = z.input<typeof pipelineSchema>
/** A pipeline, complete. */
export type Pipeline = z.output<typeof pipelineSchema>
