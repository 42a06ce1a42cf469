import { pipelineSchema, type Pipeline, type PipelineInput, type PreprocessStep } from '@shared/preprocess'
import { z } from 'zod'
import { resample } from '../audio/resample'
import { EarmarkError } from '../errors'
import { spectralGate } from './denoise'
import { fixLength, mixSeed, seededRandom } from './fix-length'
import { lengthOf, monoOf, type Audio } from './levels'
import { normalize } from './normalize'
import { cut, energyEvents, fixedWindows } from './segment'
import { trimSilence } from './trim'

/** One piece of a preprocessed clip: its audio and where it came from in the original, in seconds. */
export interface Piece extends Audio {
  /** Seconds of the original clip at this piece's first sample (negative when padding was put before it). */
  start: number
  /** Seconds of the original clip at this piece's end. */
  end: number
}

/** What a pipeline makes of a clip: one piece, or several when it segments. */
export interface Preprocessed {
  sampleRate: number
  pieces: Piece[]
}

/** What a pipeline run needs besides the audio. */
export interface RunPipelineOptions {
  /** Mixed into the seed of random crops, so each clip gets its own offset (the clip's content hash). */
  key?: string
  /** Checked between steps. */
  signal?: AbortSignal
}

/** Checks a pipeline and fills in its defaults; an invalid one is an invalid-input error naming the field. */
export function resolvePipeline(pipeline: PipelineInput | Pipeline = []): Pipeline {
  const parsed = pipelineSchema.safeParse(pipeline)
  if (!parsed.success) {
    throw new EarmarkError(
      'invalid-input',
      `bad preprocessing pipeline: ${z.prettifyError(parsed.error)}`,
      parsed.error.issues,
    )
  }
  return parsed.data
}

/** The pipeline without its segmentation steps: what the studio plays and draws for a whole clip. */
export function withoutSegmentation(pipeline: Pipeline): Pipeline {
  return pipeline.filter((step) => step.step !== 'segment')
}

/**
 * Runs the steps in order. Every step after a segmentation applies to each piece. Steps keep the
 * channels apart unless one mixes them down (`mono`); resampling keeps the times of the pieces.
 */
export async function runPipeline(
  audio: Audio,
  pipeline: PipelineInput | Pipeline,
  options: RunPipelineOptions = {},
): Promise<Preprocessed> {
  const steps = resolvePipeline(pipeline)
  let pieces: Piece[] = [{ ...audio, start: 0, end: lengthOf(audio) / audio.sampleRate }]
  for (const step of steps) {
    if (options.signal?.aborted) throw new EarmarkError('cancelled', 'preprocessing was cancelled')
    const next: Piece[] = []
    for (const piece of pieces) next.push(...(await applyStep(piece, step, options.key ?? '')))
    pieces = next
  }
  return { sampleRate: pieces[0]?.sampleRate ?? audio.sampleRate, pieces }
}

/**
 * Runs the steps in order without waiting, for audio already at the rate of every resample step
 * (a window of a recording read at a model's rate): the same pieces `runPipeline` gives such
 * audio. A step that would change the rate is an invalid-input error.
 */
export function runPipelineAtRate(
  audio: Audio,
  pipeline: PipelineInput | Pipeline,
  options: Omit<RunPipelineOptions, 'signal'> = {},
): Preprocessed {
  let pieces: Piece[] = [{ ...audio, start: 0, end: lengthOf(audio) / audio.sampleRate }]
  for (const step of resolvePipeline(pipeline)) {
    const next: Piece[] = []
    for (const piece of pieces) next.push(...applyStepAtRate(piece, step, options.key ?? ''))
    pieces = next
  }
  return { sampleRate: pieces[0]?.sampleRate ?? audio.sampleRate, pieces }
}

async function applyStep(piece: Piece, step: PreprocessStep, key: string): Promise<Piece[]> {
  if (step.step === 'resample' && step.sampleRate !== piece.sampleRate) {
    const sr = piece.sampleRate
    const channels = await Promise.all(piece.channels.map((c) => resample(c, sr, step.sampleRate, step.quality)))
    return [{ ...piece, channels, sampleRate: step.sampleRate }]
  }
  return applyStepAtRate(piece, step, key)
}

function applyStepAtRate(piece: Piece, step: PreprocessStep, key: string): Piece[] {
  const sr = piece.sampleRate
  const span = (audio: Audio, start: number): Piece => ({
    ...audio,
    start,
    end: start + lengthOf(audio) / audio.sampleRate,
  })
  switch (step.step) {
    case 'resample': {
      if (step.sampleRate === sr) return [piece]
      throw new EarmarkError(
        'invalid-input',
        `the pipeline resamples to ${step.sampleRate} Hz, and this audio is read at ${sr} Hz: give it at the pipeline's rate`,
      )
    }
    case 'mono':
      return [{ ...piece, channels: [monoOf(piece.channels)] }]
    case 'normalize':
      return [{ ...piece, ...normalize(piece, step.mode, step.targetDb) }]
    case 'trim': {
      const { audio, start } = trimSilence(piece, step.topDb, step.frameLength, step.hop, step.edges)
      return [span(audio, piece.start + start / sr)]
    }
    case 'fixLength': {
      const random = seededRandom(mixSeed(step.seed, key))
      const { audio, offset } = fixLength(piece, Math.max(1, Math.round(step.seconds * sr)), step.mode, random)
      return [span(audio, piece.start - offset / sr)]
    }
    case 'segment': {
      const n = lengthOf(piece)
      const spans =
        step.mode === 'fixed'
          ? fixedWindows(
              n,
              Math.max(1, Math.round(step.window * sr)),
              Math.max(1, Math.round((step.hop ?? step.window) * sr)),
              step.last,
            )
          : energyEvents(piece, {
              topDb: step.topDb,
              frameLength: step.frameLength,
              hop: step.hop,
              minGap: Math.round(step.minGap * sr),
              minDuration: Math.round(step.minDuration * sr),
              padding: Math.round(step.padding * sr),
            })
      return spans.map((s) => span(cut(piece, s), piece.start + s.start / sr))
    }
    case 'denoise':
      return [{ ...piece, ...spectralGate(piece, step) }]
    default:
      throw missingCase(step)
  }
}

function missingCase(x: never): Error {
  return new Error(`unhandled preprocessing step: ${JSON.stringify(x)}`)
}
