// How a TensorFlow.js base and the windows it embeds reach the training worker (plain data: they
// cross threads).
import type { Recipe } from '../feature-sets/recipe'

/** A TensorFlow.js base: an Earmark deep model, a LayersModel folder or a GraphModel folder. */
export interface TfjsBaseRef {
  kind: 'earmark' | 'tfjs-layers' | 'tfjs-graph'
  /** The model's folder (absolute). */
  dir: string
  /** A GraphModel's embedding node (null: the output named like an embedding, else the first). */
  node: string | null
}

/** Windows of one recording's samples, to be made into the base's inputs in the worker. */
export interface WindowBatch {
  /** Mono samples at the base's rate (handed to the worker). */
  samples: Float32Array
  /** Sample offsets of the windows. */
  starts: number[]
  windowSamples: number
  /** An Earmark model's feature set (each window's input is computed by it); null for a base that takes samples. */
  recipe: Recipe | null
  /** Samples a base that takes samples reads per window (each window cut or zero-padded to it). */
  perWindow: number
}
