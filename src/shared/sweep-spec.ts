import { z } from 'zod'

/**
 * A hyperparameter sweep, as a JSON file (`earmark sweep --spec`), a form in the studio and a row
 * in the catalog. Parameter names are the models' own (see the trees' and deep models' params).
 *
 * ```json
 * {"model": "rf", "strategy": "grid", "seed": 1, "cv": {"kind": "group", "folds": 3},
 *  "metric": "accuracy", "space": {"trees": [20, 100], "maxDepth": [4, 8, null]}}
 * ```
 */

const scalar = z.union([z.number(), z.string(), z.boolean(), z.null()])
export type ScalarValue = z.infer<typeof scalar>

/** A list of numbers is one value of a parameter that takes a list, as a CNN's `filters`. */
const paramValue = z.union([scalar, z.array(z.number()).min(1)])
export type ParamValue = z.infer<typeof paramValue>

/** Sample this parameter only when other parameters have these values (a list: any of them). */
const condition = z.record(z.string(), z.union([scalar, z.array(scalar)]))
export type Condition = z.infer<typeof condition>
const when = condition.optional()

const ordered = (range: readonly [number, number]): boolean => range[0] <= range[1]
const rangeMessage = { message: 'a range is [low, high] with low <= high' }

/**
 * One dimension of the search space. A bare list is a set of choices; for a parameter that takes
 * a list, each choice is a list: `"filters": [[16, 32], [16, 32, 64]]`.
 */
export const paramSpaceSchema = z.union([
  z.array(paramValue).min(1),
  z.strictObject({ choices: z.array(paramValue).min(1), when }),
  z.strictObject({
    int: z.tuple([z.number().int(), z.number().int()]).refine(ordered, rangeMessage),
    step: z.number().int().positive().optional(),
    when,
  }),
  z.strictObject({ float: z.tuple([z.number(), z.number()]).refine(ordered, rangeMessage), when }),
  z.strictObject({
    logUniform: z.tuple([z.number().positive(), z.number().positive()]).refine(ordered, rangeMessage),
    when,
  }),
])
export type ParamSpace = z.infer<typeof paramSpaceSchema>

export const sweepModels = ['rf', 'gbdt', 'cnn', 'crnn', 'lstm', 'transfer'] as const
export const sweepStrategies = ['grid', 'random', 'tpe', 'halving'] as const
export const sweepMetrics = ['accuracy', 'macroF1', 'balancedAccuracy'] as const
export const cvKinds = ['stratified', 'group', 'folds', 'holdout'] as const

export const sweepSpecSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    model: z.enum(sweepModels),
    strategy: z.enum(sweepStrategies).default('random'),
    /** Most trials to run (a grid runs all its points unless this is smaller). */
    trials: z.number().int().min(1).max(10_000).default(20),
    seed: z.number().int().min(0).default(0),
    /** Stop starting new trials after this many seconds. */
    timeBudgetSeconds: z.number().positive().optional(),
    cv: z
      .strictObject({
        kind: z.enum(cvKinds).default('stratified'),
        folds: z.number().int().min(2).max(50).default(3),
        /** Hold-out only: the share of clips held out. */
        testFraction: z.number().gt(0).lt(1).default(0.2),
      })
      .prefault({}),
    metric: z.enum(sweepMetrics).default('accuracy'),
    space: z.record(z.string().min(1), paramSpaceSchema),
    /** Parameters held at one value in every trial. */
    fixed: z.record(z.string(), paramValue).default({}),
    /** Successive halving: the budget (epochs for deep models, trees or iterations otherwise). */
    halving: z
      .strictObject({
        parameter: z.string().default('epochs'),
        minBudget: z.number().int().positive(),
        maxBudget: z.number().int().positive(),
        eta: z.number().int().min(2).default(3),
      })
      .optional(),
    /** The project's feature set every trial trains on (its name); the project's default set when left out. */
    set: z.string().min(1).max(200).optional(),
    /** The same as `set`, under the name specs used first. */
    features: z.string().optional(),
  })
  .superRefine((spec, ctx) => {
    for (const [name, dimension] of Object.entries(spec.space)) {
      if (Array.isArray(dimension) || !dimension.when) continue
      for (const other of Object.keys(dimension.when)) {
        if (!(other in spec.space) && !(other in spec.fixed)) {
          ctx.addIssue({
            code: 'custom',
            path: ['space', name, 'when', other],
            message: `"${name}" depends on "${other}", which is neither in the space nor fixed`,
          })
        }
      }
    }
    if (spec.strategy === 'halving' && !spec.halving) {
      ctx.addIssue({ code: 'custom', path: ['halving'], message: 'the halving strategy needs {"halving": {...}}' })
    }
    if (spec.halving && spec.halving.minBudget > spec.halving.maxBudget) {
      ctx.addIssue({ code: 'custom', path: ['halving'], message: 'minBudget must not exceed maxBudget' })
    }
  })

export type SweepSpecInput = z.input<typeof sweepSpecSchema>
export type SweepSpec = z.output<typeof sweepSpecSchema>
