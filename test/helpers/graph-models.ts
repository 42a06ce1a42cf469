// GraphModel folders as the TensorFlow.js converter writes them (model.json with a GraphDef
// topology, and a weight shard), built by hand: transfer-learning bases that need no download.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** A constant of a hand-built graph: its node and its weight in the shard. */
interface GraphConstant {
  name: string
  dtype: 'float32' | 'int32'
  shape: number[]
  values: Float32Array | Int32Array
}

const FLOAT = { type: 'DT_FLOAT' }

/**
 * A GraphModel folder as the tfjs converter writes one (model.json with a GraphDef topology, and
 * a weight shard), built by hand from its input's shape, its constants and its other nodes.
 */
function writeGraph(
  dir: string,
  inputName: string,
  inputShape: number[],
  constants: GraphConstant[],
  nodes: object[],
): void {
  const placeholder = {
    name: inputName,
    op: 'Placeholder',
    attr: { dtype: FLOAT, shape: { shape: { dim: inputShape.map((n) => ({ size: `${n}` })) } } },
  }
  const constantNodes = constants.map((c) => {
    const dtype = c.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT'
    return {
      name: c.name,
      op: 'Const',
      attr: {
        dtype: { type: dtype },
        value: {
          tensor: { dtype, tensorShape: c.shape.length ? { dim: c.shape.map((n) => ({ size: `${n}` })) } : {} },
        },
      },
    }
  })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.concat(constants.map((c) => Buffer.from(c.values.buffer))))
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      generatedBy: 'earmark test',
      convertedBy: 'hand',
      modelTopology: { node: [placeholder, ...constantNodes, ...nodes], library: {}, versions: {} },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: constants.map((c) => ({ name: c.name, shape: c.shape, dtype: c.dtype })),
        },
      ],
    }),
  )
}

/**
 * A batched GraphModel: input [batch, frames, features] → mean over frames → MatMul with a fixed
 * projection → ReLU → node "embedding" (an embedding of each band's mean energy).
 */
export function writeGraphModel(dir: string, frames: number, features: number): void {
  const projection = new Float32Array(features * features)
  for (let i = 0; i < features; i++) projection[i * features + i] = 1
  writeGraph(
    dir,
    'input',
    [-1, frames, features],
    [
      { name: 'axis', dtype: 'int32', shape: [], values: new Int32Array([1]) },
      { name: 'projection', dtype: 'float32', shape: [features, features], values: projection },
    ],
    [
      {
        name: 'mean',
        op: 'Mean',
        input: ['input', 'axis'],
        attr: { T: FLOAT, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } },
      },
      {
        name: 'project',
        op: 'MatMul',
        input: ['mean', 'projection'],
        attr: { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } },
      },
      { name: 'relu', op: 'Relu', input: ['project'], attr: { T: FLOAT } },
      { name: 'embedding', op: 'Identity', input: ['relu'], attr: { T: FLOAT } },
    ],
  )
}

/**
 * A GraphModel that takes audio as YAMNet does (input "waveform" [samples], unbatched) and gives
 * one embedding per frame: frames of `frame` samples → MatMul with cosine and sine filters at
 * `cycles`, 2·`cycles`, … cycles per frame → squared → node "embeddings" [frames, 2·bands],
 * beside a second output "scores" (their sum), as YAMNet has scores beside its embeddings.
 */
export function writeAudioGraphModel(dir: string, frame: number, cycles: number, bands: number): void {
  const filters = new Float32Array(frame * 2 * bands)
  for (let t = 0; t < frame; t++) {
    for (let b = 0; b < bands; b++) {
      const angle = (2 * Math.PI * (b + 1) * cycles * t) / frame
      filters[t * 2 * bands + 2 * b] = Math.cos(angle) / frame
      filters[t * 2 * bands + 2 * b + 1] = Math.sin(angle) / frame
    }
  }
  writeGraph(
    dir,
    'waveform',
    [-1],
    [
      { name: 'frame_shape', dtype: 'int32', shape: [2], values: new Int32Array([-1, frame]) },
      { name: 'filters', dtype: 'float32', shape: [frame, 2 * bands], values: filters },
      { name: 'last_axis', dtype: 'int32', shape: [], values: new Int32Array([1]) },
    ],
    [
      {
        name: 'frames',
        op: 'Reshape',
        input: ['waveform', 'frame_shape'],
        attr: { T: FLOAT, Tshape: { type: 'DT_INT32' } },
      },
      {
        name: 'filtered',
        op: 'MatMul',
        input: ['frames', 'filters'],
        attr: { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } },
      },
      { name: 'energy', op: 'Square', input: ['filtered'], attr: { T: FLOAT } },
      { name: 'embeddings', op: 'Identity', input: ['energy'], attr: { T: FLOAT } },
      {
        name: 'scores',
        op: 'Sum',
        input: ['energy', 'last_axis'],
        attr: { T: FLOAT, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } },
      },
    ],
  )
}
