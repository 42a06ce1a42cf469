import { missingCaseError } from '@shared/result'
import { trainGradientBoosting, type BoostingTrainOptions } from './boosting'
import type { TrainingSet } from './data'
import { trainRandomForest, type ForestTrainOptions } from './forest'
import type { TreeModelKind } from './model'
import { boostingParamsSchema, forestParamsSchema, type BoostingParamsInput, type ForestParamsInput } from './params'
import type { TreeModel } from './serialize'

/** Each tree model's hyperparameter schema, by the name `--model` and sweep specs use. */
export const treeParamsSchemas = { rf: forestParamsSchema, gbdt: boostingParamsSchema } as const

/** Options of either trainer; each reads its own. */
export type TreeTrainOptions = ForestTrainOptions & BoostingTrainOptions

/** Trains a tree model of the named kind; the trainer checks the parameters against its schema. */
export function trainTreeModel(
  kind: TreeModelKind,
  data: TrainingSet,
  params: Record<string, unknown> = {},
  options: TreeTrainOptions = {},
): Promise<TreeModel> {
  switch (kind) {
    case 'rf':
      return trainRandomForest(data, params as ForestParamsInput, options)
    case 'gbdt':
      return trainGradientBoosting(data, params as BoostingParamsInput, options)
    default:
      throw missingCaseError(kind)
  }
}
