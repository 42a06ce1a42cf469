import { z } from 'zod'
import { EarmarkError } from '../../errors'

/**
 * Hyperparameters, named as in CLI flags (`--param trees=300`), sweep specs and run records.
 * Strict objects: a misspelt name is an error, not a silently ignored flag.
 */

/** The random seed: the same seed and data give the same model. */
const seed = z.number().int().min(0).default(0).describe('Random seed; the same seed and data give the same model.')

/** A random forest's hyperparameters, with scikit-learn's defaults. */
export const forestParamsSchema = z.strictObject({
  trees: z.number().int().min(1).default(100).describe('Number of trees.'),
  maxDepth: z
    .number()
    .int()
    .min(1)
    .nullable()
    .default(null)
    .describe('Deepest level of a tree (root at 0); null grows each tree until its leaves are pure.'),
  minSamplesLeaf: z.number().int().min(1).default(1).describe('Fewest training rows in a leaf.'),
  maxFeatures: z
    .union([z.enum(['sqrt', 'log2']), z.number().positive()])
    .refine((v) => typeof v === 'string' || v <= 1 || Number.isInteger(v), {
      message: 'maxFeatures is sqrt, log2, a fraction in (0, 1] or a whole number of features',
    })
    .default('sqrt')
    .describe(
      'Features tried at each split: sqrt or log2 of their number, a fraction in (0, 1] of them (1: all), or a count above 1.',
    ),
  classWeight: z
    .union([z.literal('balanced'), z.record(z.string(), z.number().nonnegative())])
    .nullable()
    .default(null)
    .describe(
      'Weight of each class: null (all 1), balanced (inversely proportional to class frequency) or a weight per class name (others 1).',
    ),
  seed,
})

/** A random forest's hyperparameters, as given (any may be left out). */
export type ForestParamsInput = z.input<typeof forestParamsSchema>
/** A random forest's hyperparameters, complete. */
export type ForestParams = z.output<typeof forestParamsSchema>

/** Histogram gradient boosting's hyperparameters, with scikit-learn's defaults. */
export const boostingParamsSchema = z.strictObject({
  maxIter: z.number().int().min(1).default(100).describe('Most boosting iterations (one tree per class each).'),
  learningRate: z.number().positive().default(0.1).describe('Shrinkage of each tree’s contribution.'),
  maxLeafNodes: z
    .number()
    .int()
    .min(2)
    .nullable()
    .default(31)
    .describe('Most leaves per tree, grown best first; null: limited by maxDepth only.'),
  maxDepth: z
    .number()
    .int()
    .min(1)
    .nullable()
    .default(null)
    .describe('Deepest level of a tree (root at 0); null: no limit.'),
  minSamplesLeaf: z.number().int().min(1).default(20).describe('Fewest training rows in a leaf.'),
  l2: z.number().min(0).default(0).describe('L2 regularisation of leaf values.'),
  earlyStopping: z
    .union([z.literal('auto'), z.boolean()])
    .default('auto')
    .describe(
      'Stop when the loss on a held-out 10% of the training rows stops improving for 10 iterations; auto: only above 10,000 rows.',
    ),
  seed,
})

/** Gradient boosting's hyperparameters, as given (any may be left out). */
export type BoostingParamsInput = z.input<typeof boostingParamsSchema>
/** Gradient boosting's hyperparameters, complete. */
export type BoostingParams = z.output<typeof boostingParamsSchema>

/** Checks hyperparameters against a model's schema, filling in defaults; a bad one is an invalid-input error naming it. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown, model: string): z.output<S> {
  const parsed = schema.safeParse(params)
  if (parsed.success) return parsed.data
  throw new EarmarkError(
    'invalid-input',
    `bad ${model} hyperparameters: ${z.prettifyError(parsed.error)}`,
    parsed.error.issues,
  )
}
