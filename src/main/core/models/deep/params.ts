import { z } from 'zod'
import { parseParams } from '../trees/params'

/**
 * Hyperparameters of the deep models, named as the tree models' are (`epochs`,
 * `batchSize`, `learningRate`, `seed`, `classWeight` …) so that CLI flags (`--param epochs=40`),
 * sweep specs and run records use one vocabulary. Strict objects: a misspelt name is an error.
 * Defaults are what a Keras user would start from, and reach Earmark's fsdd-dev targets (test/integration/deep-fsdd.test.ts).
 */

/** What every deep model shares: the optimiser, the schedule, stopping, augmentation. */
const training = {
  epochs: z
    .number()
    .int()
    .min(1)
    .default(30)
    .describe('Passes over the training set (at most; early stopping may end sooner).'),
  batchSize: z.number().int().min(1).default(32).describe('Examples per gradient step.'),
  learningRate: z.number().positive().default(0.001).describe('The optimiser’s initial step size.'),
  optimizer: z.enum(['adam', 'sgd', 'rmsprop']).default('adam').describe('Adam, SGD with momentum 0.9, or RMSprop.'),
  seed: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'Random seed of initial weights, shuffling, dropout and augmentation; the same seed and data give the same model.',
    ),
  classWeight: z
    .union([z.literal('balanced'), z.record(z.string(), z.number().nonnegative())])
    .nullable()
    .default(null)
    .describe(
      'Loss weight of each class: null (all 1), balanced (inversely proportional to class frequency) or a weight per class name (others 1).',
    ),
  weightDecay: z
    .number()
    .min(0)
    .lt(1)
    .default(0)
    .describe(
      'Decoupled weight decay (AdamW’s): each step, kernels shrink by learning rate × this, apart from the gradient; 0: off (0.01 is usual).',
    ),
  lrSchedule: z
    .enum(['constant', 'step', 'cosine', 'plateau'])
    .default('constant')
    .describe(
      'constant; step (× lrFactor every lrStepEpochs); cosine (to minLearningRate at the last epoch); plateau (× lrFactor when the validation loss has not improved for lrPatience epochs).',
    ),
  lrFactor: z.number().positive().lt(1).default(0.5).describe('Multiplier of the step and plateau schedules.'),
  lrStepEpochs: z.number().int().min(1).default(10).describe('Epochs between steps of the step schedule.'),
  lrPatience: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe('Epochs without improvement before the plateau schedule lowers the rate.'),
  minLearningRate: z.number().nonnegative().default(1e-6).describe('Floor of every schedule.'),
  patience: z
    .number()
    .int()
    .min(1)
    .nullable()
    .default(5)
    .describe(
      'Early stopping: epochs without improvement of the monitored metric before training stops; null: never stop early.',
    ),
  monitor: z
    .enum(['val_loss', 'val_accuracy'])
    .default('val_loss')
    .describe('The metric early stopping and the best weights follow.'),
  restoreBestWeights: z
    .boolean()
    .default(true)
    .describe('End with the weights of the best epoch rather than the last.'),
  timeShift: z
    .number()
    .min(0)
    .max(0.5)
    .default(0)
    .describe(
      'Augmentation: shift each example in time by up to this fraction of its frames (filled with its quietest value).',
    ),
  freqWarp: z
    .number()
    .min(0)
    .max(0.3)
    .default(0)
    .describe(
      'Augmentation: stretch or squeeze each example’s mel bands by a factor within ± this, drawn afresh every batch (0.1: ×0.9 to ×1.1), as a longer or shorter vocal tract would; log-mel inputs only; 0 when classes differ by pitch alone.',
    ),
  noise: z
    .number()
    .min(0)
    .default(0)
    .describe('Augmentation: standard deviation of Gaussian noise added to the standardised features.'),
  timeMasks: z.number().int().min(0).default(0).describe('SpecAugment: number of time masks per example.'),
  timeMaskWidth: z.number().int().min(1).default(8).describe('SpecAugment: widest time mask, in frames.'),
  freqMasks: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('SpecAugment: number of frequency (feature) masks per example.'),
  freqMaskWidth: z.number().int().min(1).default(8).describe('SpecAugment: widest frequency mask, in bands.'),
  mixup: z
    .number()
    .min(0)
    .default(0)
    .describe('Mixup: α of the Beta(α, α) mixing weight between pairs of a batch; 0: off (0.2 is usual).'),
  labelSmoothing: z
    .number()
    .min(0)
    .max(0.5)
    .default(0)
    .describe(
      'Train towards targets ε/k short of certain (Keras’s label_smoothing; sigmoids towards ε/2 and 1 − ε/2), so the model is not pushed to be sure; 0: off (0.1 is usual).',
    ),
  // Per-clip normalisation and the waveform augmentations act where inputs are built from clips
  // (training/normalize.ts normalizeInputs; augment/copies.ts computeAugmentedCopies, which
  // runs/features.ts loadAugmentedCopies runs on the audio workers), not in the trainer: they need
  // the audio and the feature recipe, which the trainer never sees.
  normalize: z
    .enum(['none', 'cmvn', 'pcen', 'clip'])
    .default('none')
    .describe(
      'Per-clip input normalisation, in training and prediction alike: cmvn (each band or coefficient to mean 0, deviation 1 over the clip), clip (the whole clip to mean 0, deviation 1), pcen (per-channel energy normalisation of log-mel energies), or none.',
    ),
  augmentCopies: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(0)
    .describe(
      'Waveform augmentation: extra versions of each training clip, each with its own random pitch, speed, gain, noise, reverb and VTLP drawn from the settings below; 0: off.',
    ),
  pitchShift: z
    .number()
    .min(0)
    .max(12)
    .default(0)
    .describe('Waveform augmentation: shift each copy’s pitch by up to ± this many semitones, keeping its length.'),
  speed: z
    .number()
    .min(0)
    .max(0.5)
    .default(0)
    .describe(
      'Waveform augmentation: play each copy up to this fraction faster or slower (0.1: ×0.9 to ×1.1; length and pitch change).',
    ),
  gain: z
    .number()
    .min(0)
    .max(40)
    .default(0)
    .describe('Waveform augmentation: change each copy’s loudness by up to ± this many dB.'),
  noiseSnr: z
    .number()
    .min(-10)
    .max(60)
    .nullable()
    .default(null)
    .describe(
      'Waveform augmentation: add white or pink noise at a signal-to-noise ratio between this and 20 dB more; null: no noise.',
    ),
  reverb: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe(
      'Waveform augmentation: chance that a copy is played in a simulated room (reverberation time 0.1 to 0.7 s).',
    ),
  vtlp: z
    .number()
    .min(0)
    .max(0.3)
    .default(0)
    .describe(
      'Vocal-tract-length perturbation: stretch each copy’s mel frequency axis by a factor within ± this (0.1: ×0.9 to ×1.1), as a longer or shorter vocal tract would.',
    ),
}

/**
 * The CNN's and LSTM's defaults, chosen by how well a model names the words of a speaker it never
 * heard (leave-one-speaker-out on fsdd-dev, bench/generalisation.bench.ts), not by a split within
 * the same speakers, where every setting scores 95-100%. Two augmented copies of each training clip
 * with its voice changed (vocal tract ±10%, speed ±10%, pitch ±1 semitone) did the most; SpecAugment
 * masks, a 10% time shift and mixup add some. Per-band normalisation of each clip (cmvn) cost the
 * CNN 10-16 points: over a one-word clip a band's mean is the word's spectrum. The CRNN scored the
 * same with them as without (62%), so it keeps the cheaper neutral values, and so does transfer
 * learning, whose frozen base's embeddings are kept only without augmentation.
 */
const speakerIndependent = {
  augmentCopies: training.augmentCopies.default(2),
  vtlp: training.vtlp.default(0.1),
  speed: training.speed.default(0.1),
  pitchShift: training.pitchShift.default(1),
  timeShift: training.timeShift.default(0.1),
  timeMasks: training.timeMasks.default(2),
  freqMasks: training.freqMasks.default(2),
  mixup: training.mixup.default(0.2),
}

const filters = z
  .array(z.number().int().min(1))
  .min(1)
  .max(6)
  .describe('Filters of each convolution block (one block per entry; each halves time and frequency).')

/**
 * A CNN on log-mel images: blocks of conv + batch norm + max pooling + ReLU, then a head that keeps
 * frequency. On top of the voice-changing defaults, each batch's mel bands are stretched or squeezed
 * by up to ±10% (`freqWarp`): a new vocal tract for every example in every epoch, where the two
 * copies have two fixed ones. Over three seeds of leave-one-speaker-out on fsdd-dev it took the mean
 * from 66.6% to 72.1%, every seed above 70%; ±15% scored the same (72.6%, one seed at 67.9%) and
 * blurs pitch more, ±25% 65.3%. The CRNN scored less with it (59.0% against 63.8%).
 */
export const cnnParamsSchema = z.strictObject({
  ...training,
  ...speakerIndependent,
  freqWarp: training.freqWarp.default(0.1),
  epochs: training.epochs.default(30),
  learningRate: training.learningRate.default(0.003),
  filters: filters.default([16, 32, 64]),
  kernelSize: z.number().int().min(1).default(3).describe('Height and width of each convolution kernel.'),
  head: z
    .enum(['timePool', 'flatten'])
    .default('timePool')
    .describe(
      'timePool: max over time per frequency band and channel, so where energy sits in frequency is kept (a global pool over both axes throws it away); flatten: every position.',
    ),
  denseUnits: z
    .number()
    .int()
    .min(0)
    .default(64)
    .describe('Units of the hidden dense layer before the output; 0: none.'),
  dropout: z.number().min(0).lt(1).default(0.3).describe('Dropout rate before each dense layer.'),
})

/** A CRNN: convolution blocks, then a bidirectional GRU or LSTM over time. */
export const crnnParamsSchema = z.strictObject({
  ...training,
  filters: filters.default([16, 32, 32]),
  kernelSize: z.number().int().min(1).default(3).describe('Height and width of each convolution kernel.'),
  cell: z.enum(['gru', 'lstm']).default('gru').describe('The recurrent cell.'),
  lstmUnits: z
    .number()
    .int()
    .min(1)
    .default(64)
    .describe('Units of the recurrent layer in each direction (GRU or LSTM cells).'),
  dropout: z.number().min(0).lt(1).default(0.3).describe('Dropout rate before the output layer.'),
})

/**
 * An LSTM or GRU on sequences of MFCC (+ delta) frames. The output reads the largest value each
 * unit reached over the frames (`pooling` max), not the state after the last frame: a spoken word
 * fills a fraction of a padded clip, and the last state must carry it through the silence after
 * it. Over three seeds of leave-one-speaker-out on fsdd-dev, max pooling took the mean from 53% to
 * 66%; mean pooling reached 58% (one seed), and on top of max pooling a bidirectional layer (59%), two
 * layers (65%), 128 units (67%, twice the work), cmvn (63%), label smoothing 0.1 (64%), weight
 * decay 0.05 (65%), dropout 0.5 (65%), a hidden dense layer (61%), log-mel frames (47%) or a 16 ms
 * hop (65%) did not do better.
 */
export const rnnParamsSchema = z.strictObject({
  ...training,
  ...speakerIndependent,
  learningRate: training.learningRate.default(0.003),
  epochs: training.epochs.default(40),
  cell: z.enum(['lstm', 'gru']).default('lstm').describe('The recurrent cell.'),
  lstmUnits: z.number().int().min(1).default(64).describe('Units of each recurrent layer (LSTM or GRU cells).'),
  layers: z.number().int().min(1).max(4).default(1).describe('Stacked recurrent layers.'),
  bidirectional: z.boolean().default(false).describe('Read each sequence both ways.'),
  pooling: z
    .enum(['last', 'mean', 'max'])
    .default('max')
    .describe(
      'What the output layer reads: last (the recurrent state after the final frame), mean or max (of its outputs over every frame).',
    ),
  denseUnits: z.number().int().min(0).default(0).describe('Units of a hidden dense layer before the output; 0: none.'),
  dropout: z.number().min(0).lt(1).default(0.2).describe('Dropout rate before the output layer.'),
})

/** Transfer learning from a TensorFlow.js LayersModel or GraphModel saved in a local folder. */
export const transferParamsSchema = z.strictObject({
  ...training,
  epochs: training.epochs.default(20),
  baseModel: z
    .string()
    .min(1)
    .describe('Folder holding the base model’s model.json and weight files (a LayersModel or a GraphModel).'),
  embeddingLayer: z
    .string()
    .nullable()
    .default(null)
    .describe(
      'Name of the base layer (GraphModel: node) whose output is the embedding; null: the input of a LayersModel’s last layer, or a GraphModel’s output named like “embedding”, else its first.',
    ),
  fineTuneLayers: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'Base layers (those with weights, counted from the embedding down) trained along with the new head; 0: a frozen embedding (a GraphModel is always frozen).',
    ),
  denseUnits: z
    .number()
    .int()
    .min(0)
    .default(64)
    .describe('Units of the new head’s hidden layer; 0: the output layer only.'),
  dropout: z.number().min(0).lt(1).default(0.3).describe('Dropout rate before each dense layer of the head.'),
})

/** The deep model kinds. */
export const DEEP_MODEL_KINDS = ['cnn', 'crnn', 'lstm', 'transfer'] as const
/** A deep model kind. */
export type DeepModelKind = (typeof DEEP_MODEL_KINDS)[number]

/** Each kind's hyperparameter schema (`lstm` covers GRUs too, through `cell`). */
export const deepParamsSchemas = {
  cnn: cnnParamsSchema,
  crnn: crnnParamsSchema,
  lstm: rnnParamsSchema,
  transfer: transferParamsSchema,
} as const

/** A CNN's hyperparameters, complete. */
export type CnnParams = z.output<typeof cnnParamsSchema>
/** A CRNN's hyperparameters, complete. */
export type CrnnParams = z.output<typeof crnnParamsSchema>
/** An LSTM/GRU's hyperparameters, complete. */
export type RnnParams = z.output<typeof rnnParamsSchema>
/** Transfer learning's hyperparameters, complete. */
export type TransferParams = z.output<typeof transferParamsSchema>
/** The hyperparameters every kind has (training loop, schedule, augmentation). */
export type TrainingParams = CnnParams | CrnnParams | RnnParams | TransferParams

/** A deep model and its hyperparameters, as given (any hyperparameter may be left out). */
export type DeepModelSpecInput =
  | { model: 'cnn'; params?: z.input<typeof cnnParamsSchema> }
  | { model: 'crnn'; params?: z.input<typeof crnnParamsSchema> }
  | { model: 'lstm'; params?: z.input<typeof rnnParamsSchema> }
  | { model: 'transfer'; params: z.input<typeof transferParamsSchema> }

/** A deep model and its complete hyperparameters. */
export type DeepModelSpec =
  | { model: 'cnn'; params: CnnParams }
  | { model: 'crnn'; params: CrnnParams }
  | { model: 'lstm'; params: RnnParams }
  | { model: 'transfer'; params: TransferParams }

/** Checks a spec's hyperparameters, filling in defaults; a bad one is an invalid-input error naming it. */
export function parseDeepSpec(spec: DeepModelSpecInput): DeepModelSpec {
  switch (spec.model) {
    case 'cnn':
      return { model: 'cnn', params: parseParams(cnnParamsSchema, spec.params ?? {}, 'cnn') }
    case 'crnn':
      return { model: 'crnn', params: parseParams(crnnParamsSchema, spec.params ?? {}, 'crnn') }
    case 'lstm':
      return { model: 'lstm', params: parseParams(rnnParamsSchema, spec.params ?? {}, 'lstm') }
    case 'transfer':
      return { model: 'transfer', params: parseParams(transferParamsSchema, spec.params, 'transfer') }
    default:
      throw new Error(`unknown deep model: ${String((spec as { model: unknown }).model)}`)
  }
}
