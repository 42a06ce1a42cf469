// Names of a saved deep model's files, apart from the TensorFlow.js code that writes them, so that
// the catalog, exports and the main process can recognise a deep model without loading TensorFlow.js.

/** The model file of a TensorFlow.js model folder (LayersModel or GraphModel). */
export const MODEL_JSON = 'model.json'
/** The metadata file of a saved deep model (beside model.json and weights.bin). */
export const DEEP_METADATA_FILE = 'earmark-model.json'
/** Where a saved deep model keeps the GraphModel it was transferred from (models/deep/graph-base.ts). */
export const GRAPH_BASE_DIR = 'base'
