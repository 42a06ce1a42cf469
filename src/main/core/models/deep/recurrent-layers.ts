// tfjs-layers' LSTM and GRU, saved and loaded as the plain `LSTM` / `GRU` layers (same config,
// same weights), except that on the wasm engine a layer in the usual configuration runs its whole
// time loop as one SIMD kernel forward and one backward (kernels/recurrent-kernels.ts) instead of
// TensorFlow.js's dozens of small ops per time step. They are registered under the plain class
// names so that Bidirectional, which rebuilds its two directions from the wrapped layer's class
// name, builds them too.
import * as tf from '@tensorflow/tfjs'
import { canRunRecurrentKernels, recurrentSequence } from '../../kernels/recurrent-kernels'

type LstmArgs = Parameters<typeof tf.layers.lstm>[0]
type GruArgs = Parameters<typeof tf.layers.gru>[0]
type LstmLayer = ReturnType<typeof tf.layers.lstm>
type GruLayer = ReturnType<typeof tf.layers.gru>

/** A class from tfjs-layers' registry, which has the classes the package does not export by name. */
function registered<T>(name: string): T {
  return (tf.serialization.SerializationMap.getMap().classNameMap[name] as [unknown, unknown])[0] as T
}
const LstmBase = registered<new (args: LstmArgs) => LstmLayer>('LSTM')
const GruBase = registered<new (args: GruArgs) => GruLayer>('GRU')

/** The cell's weights, which tfjs-layers' typings keep private. */
interface CellWeights {
  kernel: tf.LayerVariable
  recurrentKernel: tf.LayerVariable
  bias: tf.LayerVariable | null
}

/**
 * The fused pass of a layer, or null where it does not apply: not on wasm, units not a multiple of
 * 8, or anything the kernels do not compute (masks, initial or kept state, dropout inside the
 * cell, activations other than tanh with hard-sigmoid or sigmoid gates, no bias).
 */
function fused(
  layer: tf.layers.RNN,
  cell: 'lstm' | 'gru',
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: tf.serialization.ConfigDict,
): tf.Tensor | null {
  if (Array.isArray(inputs) || inputs.rank !== 3 || kwargs['mask'] || kwargs['initialState']) return null
  if (layer.stateful || layer.returnState) return null
  const config = layer.cell.getConfig()
  const units = config['units'] as number
  const gates = config['recurrentActivation']
  const plain =
    config['activation'] === 'tanh' &&
    (gates === 'hardSigmoid' || gates === 'sigmoid') &&
    config['useBias'] === true &&
    !config['dropout'] &&
    !config['recurrentDropout']
  if (!plain || !canRunRecurrentKernels(units)) return null
  const w = layer.cell as unknown as CellWeights
  if (!w.bias) return null
  return recurrentSequence(inputs as tf.Tensor3D, {
    cell,
    kernel: w.kernel.read(),
    recurrentKernel: w.recurrentKernel.read(),
    bias: w.bias.read(),
    reverse: layer.goBackwards,
    hardSigmoid: gates === 'hardSigmoid',
    returnSequences: layer.returnSequences,
  })
}

/** An LSTM layer whose time loop runs as one kernel on the wasm engine; saved as a plain `LSTM`. */
export class FusedLstm extends LstmBase {
  static readonly className = 'LSTM'

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    return fused(this, 'lstm', inputs, kwargs) ?? super.call(inputs, kwargs)
  }
}

/** A GRU layer whose time loop runs as one kernel on the wasm engine; saved as a plain `GRU`. */
export class FusedGru extends GruBase {
  static readonly className = 'GRU'

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    return fused(this, 'gru', inputs, kwargs) ?? super.call(inputs, kwargs)
  }
}

// The classes inherit tfjs-layers' static fromConfig, which its typings do not carry over.
type Registrable<T extends tf.serialization.Serializable> = tf.serialization.SerializableConstructor<T>
tf.serialization.registerClass(FusedLstm as unknown as Registrable<FusedLstm>)
tf.serialization.registerClass(FusedGru as unknown as Registrable<FusedGru>)
