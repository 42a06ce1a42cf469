// Training runs: train a model on the project's labelled clips as a job, record
// it in the catalog, evaluate it, predict files with it, export it.
export {
  exportRunFiles,
  loadPredictableModel,
  projectRunsFolder,
  readModelOutputs,
  RUN_FILES,
  runFolder,
} from './artifacts'
export { pageOfPredictions, runSplitEvaluation } from './evaluate'
export { exportRun, removeRun } from './manage'
export {
  loadDeepInputs,
  loadSummaryFeatures,
  type DeepInputs,
  type FeatureSource,
  type LoadFeaturesOptions,
  type SummaryMatrix,
} from './features'
export { predictFiles, type FilePrediction, type PredictResult } from './predict'
export { runIsLive } from './liveness'
export {
  describeEngine,
  prepareDeepResume,
  prepareDeepTraining,
  resumeDeepTraining,
  runDeepTraining,
  type DeepTrainRequest,
  type PreparedDeepTraining,
} from './train-deep'
export { prepareTraining, runTraining, type PreparedTraining, type TrainEnvironment, type TrainRequest } from './train'
export {
  prepareRegionTraining,
  runRegionTraining,
  type PreparedRegionTraining,
  type RegionTrainRequest,
} from './train-regions'
