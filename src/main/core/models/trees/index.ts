// Random forest and histogram gradient boosting on summary-feature matrices.
export { matrixFromRows, type FeatureMatrix, type LabelledMatrix, type TrainingSet } from './data'
export type { TreeClassifier, TreeModelKind } from './model'
export {
  boostingParamsSchema,
  forestParamsSchema,
  type BoostingParams,
  type BoostingParamsInput,
  type ForestParams,
  type ForestParamsInput,
} from './params'
export { RandomForest, trainRandomForest, type ForestTrainOptions } from './forest'
export {
  GradientBoosting,
  trainGradientBoosting,
  type BoostingHistory,
  type BoostingProgress,
  type BoostingTrainOptions,
} from './boosting'
export { trainTreeModel, treeParamsSchemas, type TreeTrainOptions } from './train'
export {
  impurityImportance,
  permutationImportance,
  type FeatureImportance,
  type PermutationOptions,
} from './importance'
export {
  loadTreeModel,
  saveTreeModel,
  TREE_MODEL_FORMAT,
  treeModelFromDocument,
  treeModelToDocument,
  type TreeModel,
  type TreeModelDocument,
} from './serialize'
