// Transfer learning from a TensorFlow.js GraphModel (the tfjs converter's format, as models from a
// model hub come): the graph runs frozen inside a layer of the new model, as its embedding. A
// GraphModel's weights are constants of the graph, so it cannot be fine-tuned; a saved run keeps
// a copy of the graph in its `base/` folder and finds it there when loaded.
import { resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { GRAPH_BASE_DIR } from './files'
import { folderLoader } from './io'

/** GraphModels loaded in this thread, by absolute folder. */
const graphs = new Map<string, tf.GraphModel>()

/** Loads (once per thread) the GraphModel in `dir`. */
export async function loadGraphBase(dir: string): Promise<tf.GraphModel> {
  const key = resolve(dir)
  const known = graphs.get(key)
  if (known) return known
  const graph = await tf.loadGraphModel(folderLoader(key))
  graphs.set(key, graph)
  return graph
}

/**
 * The graph node whose output is the embedding: the one asked for, else the output named like an
 * embedding, else the graph's first output.
 */
export function embeddingNode(graph: tf.GraphModel, requested: string | null): string {
  if (requested !== null) return requested
  const outputs = graph.outputs.map((o) => o.name)
  return outputs.find((name) => /embed/i.test(name)) ?? (outputs[0] as string)
}

/** A GraphModel's input. */
export interface GraphInput {
  name: string
  /** The shape of one example (after the batch axis); null where the graph does not say. */
  shape: (number | null)[] | null
  /**
   * The graph takes one clip's samples, unbatched (input [samples], as YAMNet): it runs once per
   * clip, and an output per frame is averaged over the frames.
   */
  audio: boolean
}

/** The graph's input node and what it takes. */
export function graphInput(graph: tf.GraphModel): GraphInput {
  const input = graph.inputs[0]
  if (!input) throw new Error('the base GraphModel has no input')
  if (input.shape?.length === 1) return { name: input.name, shape: null, audio: true }
  const shape = input.shape ? input.shape.slice(1).map((n) => (n < 0 ? null : n)) : null
  return { name: input.name, shape, audio: false }
}

/**
 * The graph's output at `node` for a batch x [batch, ...example]. Run as one custom-gradient op so
 * that the frozen graph's intermediate tensors are not kept for a backward pass (its gradient is
 * zero: nothing below it trains).
 */
export function embed(graph: tf.GraphModel, node: string, x: tf.Tensor): tf.Tensor {
  const input = graphInput(graph)
  const run = (batch: tf.Tensor): tf.Tensor => {
    if (!input.audio) return graph.execute({ [input.name]: batch }, node) as tf.Tensor
    const clips = tf.unstack(tf.reshape(batch, [batch.shape[0] as number, -1]))
    return tf.stack(
      clips.map((clip) => {
        const y = graph.execute({ [input.name]: clip }, node) as tf.Tensor
        return y.rank >= 2 ? tf.mean(y, 0) : y
      }),
    )
  }
  const frozen = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const batch = args[0] as tf.Tensor
    return { value: run(batch), gradFunc: () => tf.zerosLike(batch) }
  })
  return frozen(x)
}

/** Options of `GraphEmbedding`. */
export interface GraphEmbeddingArgs {
  /** The GraphModel's folder (absolute; `base` in a saved model's topology). */
  graph: string
  /** The node whose output is the embedding. */
  node: string
  /** The embedding's shape after the batch axis. */
  embeddingShape: number[]
  name?: string
}

/** A frozen GraphModel as a layer: its output at `node` for the layer's input. */
export class GraphEmbedding extends tf.layers.Layer {
  static readonly className = 'EarmarkGraphEmbedding'
  readonly graph: string
  readonly node: string
  readonly embeddingShape: number[]

  constructor(args: GraphEmbeddingArgs) {
    super({ ...(args.name === undefined ? {} : { name: args.name }), trainable: false })
    this.graph = args.graph
    this.node = args.node
    this.embeddingShape = args.embeddingShape
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape
    return [shape[0] ?? null, ...this.embeddingShape]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs
    const graph = graphs.get(this.graph)
    if (!graph) throw new Error(`the base GraphModel at ${this.graph} is not loaded`)
    return embed(graph, this.node, x)
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), graph: this.graph, node: this.node, embeddingShape: this.embeddingShape }
  }
}
tf.serialization.registerClass(GraphEmbedding)

type Topology = { class_name?: unknown; config?: unknown } | unknown[] | null | undefined

/** Sets `graph` in the config of every GraphEmbedding layer of a saved topology (recursively). */
function setGraphFolder(node: Topology, folder: (current: string) => string): void {
  if (Array.isArray(node)) {
    node.forEach((n) => setGraphFolder(n as Topology, folder))
    return
  }
  if (!node || typeof node !== 'object') return
  const config = node.config as Record<string, unknown> | undefined
  if (node.class_name === GraphEmbedding.className && config && typeof config['graph'] === 'string') {
    config['graph'] = folder(config['graph'])
  }
  for (const value of Object.values(node))
    if (value && typeof value === 'object') setGraphFolder(value as Topology, folder)
}

/** The GraphEmbedding layer of a model, if it has one. */
export function graphEmbeddingOf(model: tf.LayersModel): GraphEmbedding | null {
  return (model.layers.find((l) => l instanceof GraphEmbedding) as GraphEmbedding | undefined) ?? null
}

/** A saver that writes the graph's folder as `base` (relative to the saved model). */
export function withRelativeGraph(saver: tf.io.IOHandler): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      const topology = structuredClone(artifacts.modelTopology) as Topology
      setGraphFolder(topology, () => GRAPH_BASE_DIR)
      return (saver.save as NonNullable<tf.io.IOHandler['save']>)({ ...artifacts, modelTopology: topology as object })
    },
  }
}

/** A loader for a model saved with `withRelativeGraph` in `dir`: loads its graph and points the layer at it. */
export async function withGraphIn(dir: string, loader: tf.io.IOHandler): Promise<tf.io.IOHandler> {
  const base = resolve(dir, GRAPH_BASE_DIR)
  await loadGraphBase(base)
  return {
    load: async () => {
      const artifacts = await (loader.load as NonNullable<tf.io.IOHandler['load']>)()
      setGraphFolder(artifacts.modelTopology as Topology, () => base)
      return artifacts
    },
  }
}
