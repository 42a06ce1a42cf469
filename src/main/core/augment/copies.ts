import type { Pipeline } from '@shared/preprocess'
import { loadAudio } from '../audio'
import { resample } from '../audio/resample'
import { copyImage, copySequence } from '../detection/window-input'
import { EarmarkError } from '../errors'
import { extractFeatures, featureRows, logmelSettings, resolveFeatureConfig, type FeatureConfig } from '../features'
import { recipeShape, type RecipeInput } from '../feature-sets/recipe'
import { monoOf, runPipeline } from '../preprocess'
import { augmentWaveform, drawAugmentation, type AugmentDraw, type WaveformAugmentation } from './settings'
import { Random, mixSeed } from '../models/seeded-random'
import { warpedMelFilterbank } from './vtlp'

/*
 * Augmented copies of a training clip, computed as the clip's own inputs are: the decoded audio
 * is changed first (each channel alike), then goes through the recipe's pipeline (so a fixed
 * length or a loudness step applies to the copy as to the clip), is mixed to mono at the recipe's
 * rate, and its features become the model's input shape as the feature matrices make them (an
 * image cut or padded with its floor, a sequence with zero frames, samples with zeros). VTLP warps
 * the mel filters of that extraction. Runs on an audio worker; never cached, as each run draws its own.
 */

/** What a worker needs to make one clip's copies. */
export interface AugmentedCopiesTask {
  path: string
  /** The clip's content hash: the pipeline's random steps are seeded by it, as for the clip. */
  contentHash: string
  pipeline: Pipeline
  config: FeatureConfig
  input: Exclude<RecipeInput, { kind: 'summary' }>
  augmentation: WaveformAugmentation
  /** The run's seed and the clip's id: together they fix every copy's settings. */
  seed: number
  clipId: number
}

/** A clip's copies, one model input after another, and what each one drew. */
export interface AugmentedCopies {
  x: Float32Array
  draws: AugmentDraw[]
}

/** The seed of copy `copy` of clip `clipId` in a run seeded `seed`. */
export function copySeed(seed: number, clipId: number, copy: number): number {
  return mixSeed(seed, clipId, copy, 0x6175)
}

/** Makes `task.augmentation.augmentCopies` augmented inputs of one clip (see the module comment). */
export async function computeAugmentedCopies(task: AugmentedCopiesTask): Promise<AugmentedCopies> {
  const config = resolveFeatureConfig(task.config)
  const { input } = task
  const [frames, values] = recipeShape({ input, config })
  const size = frames * values
  const copies = task.augmentation.augmentCopies
  const decoded = await loadAudio(task.path)
  const x = new Float32Array(copies * size)
  const draws: AugmentDraw[] = []
  const wanted =
    input.kind === 'image'
      ? resolveFeatureConfig({ ...config, features: [input.feature] })
      : input.kind === 'sequence'
        ? config
        : null
  for (let c = 0; c < copies; c++) {
    const random = new Random(copySeed(task.seed, task.clipId, c))
    const draw = drawAugmentation(task.augmentation, random)
    draws.push(draw)
    const channels: Float32Array[] = []
    for (const channel of decoded.channels)
      channels.push(await augmentWaveform(channel, decoded.sampleRate, draw, random))
    const { pieces } = await runPipeline({ sampleRate: decoded.sampleRate, channels }, task.pipeline, {
      key: task.contentHash,
    })
    if (pieces.length !== 1) {
      throw new EarmarkError('invalid-input', `the feature set made ${pieces.length} pieces of ${task.path}, not one`)
    }
    const piece = pieces[0] as (typeof pieces)[number]
    const mono = monoOf(piece.channels)
    const audio =
      piece.sampleRate === config.sampleRate ? mono : await resample(mono, piece.sampleRate, config.sampleRate)
    const out = x.subarray(c * size, (c + 1) * size)
    if (input.kind === 'waveform' || !wanted) {
      out.set(audio.subarray(0, Math.min(frames, audio.length)))
      continue
    }
    const melFilterbank =
      draw.vtlpAlpha !== 1 ? warpedMelFilterbank(logmelSettings(config).mel, draw.vtlpAlpha) : undefined
    const { matrices } = extractFeatures(audio, config.sampleRate, wanted, melFilterbank ? { melFilterbank } : {})
    const matrix = (f: (typeof wanted.features)[number]) =>
      matrices[f] ?? { data: new Float32Array(0), nFrames: 0, nValues: featureRows(f, config) }
    if (input.kind === 'image') copyImage(matrix(input.feature), frames, out)
    else copySequence(wanted.features.map(matrix), frames, values, out)
  }
  return { x, draws }
}
