// An ONNX base (Perch, a CLAP audio tower, …) run by onnxruntime-node's CPU build. Its session
// runs on onnxruntime's own threads, so the caller's event loop stays free without a worker.
import * as ort from 'onnxruntime-node'
import { EarmarkError } from '../errors'

/** What an ONNX base takes and gives, read from the model's metadata. */
export interface OnnxBaseInfo {
  input: string
  output: string
  /** Samples per window the model fixes (its input's last axis), or null where any length goes. */
  samples: number | null
  /** The input has a batch axis ([batch, samples]); without one, each window runs alone. */
  batched: boolean
}

/** A loaded ONNX base. */
export interface OnnxBase extends OnnxBaseInfo {
  /** Row-major [count × dims] embeddings of `count` windows of `samples` samples each. */
  embed(windows: Float32Array, count: number): Promise<{ vectors: Float32Array; dims: number }>
  close(): Promise<void>
}

const dimOf = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null)

/** Loads an ONNX model file as a base; throws naming the file where it does not load or does not take audio. */
export async function loadOnnxBase(path: string, outputName: string | null): Promise<OnnxBase> {
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'all' })
  } catch (error) {
    throw new EarmarkError(
      'invalid-input',
      `${path} does not load as an ONNX model (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): expected an .onnx file of a model that takes audio samples`,
    )
  }
  const input = session.inputMetadata[0]
  if (session.inputMetadata.length !== 1 || !input?.isTensor || input.type !== 'float32') {
    await session.release()
    throw new EarmarkError(
      'invalid-input',
      `${path} takes ${session.inputNames.join(', ') || 'no inputs'}: expected one float32 input of audio samples ([batch, samples] or [samples])`,
    )
  }
  if (input.shape.length !== 1 && input.shape.length !== 2) {
    await session.release()
    throw new EarmarkError(
      'invalid-input',
      `${path} takes input ${input.name} of shape [${input.shape.join(', ')}]: expected audio samples ([batch, samples] or [samples])`,
    )
  }
  const output =
    outputName ?? session.outputNames.find((name) => /embed/i.test(name)) ?? (session.outputNames[0] as string)
  if (!session.outputNames.includes(output)) {
    await session.release()
    throw new EarmarkError(
      'invalid-input',
      `${path} has no output ${output} (it has ${session.outputNames.join(', ')})`,
    )
  }
  const batched = input.shape.length === 2
  const info: OnnxBaseInfo = { input: input.name, output, samples: dimOf(input.shape[input.shape.length - 1]), batched }
  return {
    ...info,
    async embed(windows, count) {
      const per = windows.length / count
      const runs = batched
        ? [{ data: windows, shape: [count, per] }]
        : Array.from({ length: count }, (_, i) => ({ data: windows.subarray(i * per, (i + 1) * per), shape: [per] }))
      const parts: Float32Array[] = []
      for (const run of runs) {
        const outputs = await session.run({ [info.input]: new ort.Tensor('float32', run.data, run.shape) }, [output])
        parts.push(embeddingRows(path, output, outputs[output], batched ? count : 1))
      }
      const dims = (parts[0] as Float32Array).length / (batched ? count : 1)
      const vectors = new Float32Array(count * dims)
      let offset = 0
      for (const p of parts) {
        vectors.set(p, offset)
        offset += p.length
      }
      return { vectors, dims }
    },
    close: () => session.release(),
  }
}

/**
 * An output as one vector per window: [windows, dims] as it is, [windows, frames, dims] averaged
 * over frames (a model that embeds each frame), an unbatched [dims] or [frames, dims] likewise.
 */
function embeddingRows(path: string, name: string, value: ort.OnnxValue | undefined, windows: number): Float32Array {
  const expected = `expected float32 of shape [windows, dims] or [windows, frames, dims]`
  if (!(value instanceof ort.Tensor) || value.type !== 'float32') {
    throw new EarmarkError(
      'invalid-input',
      `${path}: its output ${name} is ${value instanceof ort.Tensor ? value.type : 'not a tensor'}, so it cannot be read as an embedding (${expected})`,
    )
  }
  const dims = value.dims.map(Number)
  const data = value.data as Float32Array
  const shape = dims.length === 1 || (dims.length === 2 && windows === 1 && dims[0] !== 1) ? [1, ...dims] : dims
  if (shape.length === 2 && shape[0] === windows) return data
  if (shape.length === 3 && shape[0] === windows) {
    const [, frames, width] = shape as [number, number, number]
    const out = new Float32Array(windows * width)
    for (let w = 0; w < windows; w++)
      for (let t = 0; t < frames; t++)
        for (let j = 0; j < width; j++) {
          out[w * width + j] = (out[w * width + j] as number) + (data[(w * frames + t) * width + j] as number) / frames
        }
    return out
  }
  throw new EarmarkError(
    'invalid-input',
    `${path}: its output ${name} has shape [${dims.join(', ')}] for ${windows} windows, so it cannot be read as an embedding (${expected})`,
  )
}
