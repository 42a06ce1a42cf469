import { EarmarkError } from '../errors'
import type { Recipe } from '../feature-sets/recipe'
import type { TrainingParams } from '../models/deep/params'

/*
 * Per-clip input normalisation: each example's features rescaled by statistics of that example
 * alone, before the dataset's standardiser, so that a microphone's colouring or a recording's
 * level (which shift every frame of a clip alike) weigh less than what changes within the clip.
 * It is part of the model's input: training and every prediction path (predict, detection, sweeps,
 * training on regions) call `normalizeInputs` on the inputs they built, with the setting the model
 * was trained with (its stored parameters).
 */

/** The per-clip normalisation setting (the `normalize` hyperparameter). */
export type InputNormalization = TrainingParams['normalize']

/** The part of a recipe normalisation needs: what the inputs are and the frame rate. */
export type NormalizationRecipe = Pick<Recipe, 'input' | 'config'>

/** The normalisation a saved model's inputs take (none for models saved before it existed). */
export function modelNormalization(spec: { params: object }): InputNormalization {
  const value = (spec.params as { normalize?: InputNormalization }).normalize
  return value ?? 'none'
}

/** librosa.pcen's defaults (gain, bias, power, time constant in seconds, eps). */
export const PCEN = { gain: 0.98, bias: 2, power: 0.5, timeConstant: 0.4, eps: 1e-6 } as const

/** Whether the inputs are log-mel energies in dB, the only inputs PCEN can undo to energies. */
export function isLogmel(recipe: NormalizationRecipe): boolean {
  const { input, config } = recipe
  if (input.kind === 'image') return input.feature === 'logmel'
  return input.kind === 'sequence' && config.features.length === 1 && config.features[0] === 'logmel'
}

/** Refuses a normalisation the recipe's inputs cannot take (PCEN on anything but log-mel energies). */
export function checkNormalization(normalize: InputNormalization, recipe: NormalizationRecipe): void {
  if (normalize === 'pcen' && !isLogmel(recipe)) {
    throw new EarmarkError(
      'invalid-input',
      'normalize pcen works on mel energies, so only on log-mel inputs (a CNN or CRNN image, or a sequence of logmel alone): use cmvn or clip for these inputs',
    )
  }
}

/** The PCEN smoother's coefficient for a frame rate: librosa's b from the time constant in frames. */
export function pcenSmoothing(sampleRate: number, hop: number): number {
  const t = (PCEN.timeConstant * sampleRate) / hop
  return (Math.sqrt(1 + 4 * t * t) - 1) / (2 * t * t)
}

/**
 * Normalises every example of `x` ([examples × frames × features], frame-major) in place:
 * cmvn — each feature (band or coefficient) to mean 0 and deviation 1 over the clip's frames;
 * clip — the whole example to mean 0 and deviation 1; pcen — the log-mel back to mel energies
 * (10^(dB / 10)), then librosa.pcen with its defaults at the recipe's frame rate; none — unchanged.
 */
export function normalizeInputs(
  x: Float32Array,
  shape: readonly [frames: number, features: number],
  normalize: InputNormalization,
  recipe: NormalizationRecipe,
): void {
  if (normalize === 'none') return
  checkNormalization(normalize, recipe)
  const [frames, features] = shape
  const size = frames * features
  if (size === 0) return
  if (x.length % size !== 0) {
    throw new EarmarkError('internal', `the inputs (${x.length} values) are not whole ${frames}x${features} examples`)
  }
  const b = normalize === 'pcen' ? pcenSmoothing(recipe.config.sampleRate, recipe.config.hop) : 0
  for (let offset = 0; offset < x.length; offset += size) {
    const example = x.subarray(offset, offset + size)
    if (normalize === 'cmvn') cmvn(example, frames, features)
    else if (normalize === 'clip') standardizeClip(example)
    else pcen(example, frames, features, b)
  }
}

/** A deviation small enough to be a constant (a band at the dB floor): divided by 1 instead. */
const FLAT = 1e-6

function cmvn(example: Float32Array, frames: number, features: number): void {
  for (let f = 0; f < features; f++) {
    let sum = 0
    let sq = 0
    for (let t = 0; t < frames; t++) {
      const v = example[t * features + f] as number
      sum += v
      sq += v * v
    }
    const mean = sum / frames
    const std = Math.sqrt(Math.max(sq / frames - mean * mean, 0))
    const scale = std > FLAT ? 1 / std : 1
    for (let t = 0; t < frames; t++) {
      const i = t * features + f
      example[i] = ((example[i] as number) - mean) * scale
    }
  }
}

function standardizeClip(example: Float32Array): void {
  let sum = 0
  let sq = 0
  for (const v of example) {
    sum += v
    sq += v * v
  }
  const mean = sum / example.length
  const std = Math.sqrt(Math.max(sq / example.length - mean * mean, 0))
  const scale = std > FLAT ? 1 / std : 1
  for (let i = 0; i < example.length; i++) example[i] = ((example[i] as number) - mean) * scale
}

/**
 * librosa.pcen(S, sr, hop_length) with its defaults on one example's mel energies S (from its dB):
 * M = S smoothed over time by a first-order filter starting at S's first frame, then
 * (S / (eps + M)^gain + bias)^power - bias^power.
 */
function pcen(example: Float32Array, frames: number, features: number, b: number): void {
  const { gain, bias, power, eps } = PCEN
  const offset = bias ** power
  for (let f = 0; f < features; f++) {
    let smooth = 10 ** ((example[f] as number) / 10)
    for (let t = 0; t < frames; t++) {
      const i = t * features + f
      const energy = 10 ** ((example[i] as number) / 10)
      smooth = (1 - b) * smooth + b * energy
      example[i] = (energy * Math.exp(-gain * Math.log(eps + smooth)) + bias) ** power - offset
    }
  }
}
