// Bases that embed windows of audio: an Earmark deep run or export (its penultimate layer), a
// TensorFlow.js LayersModel or GraphModel folder that takes audio samples (YAMNet- and
// BirdNET-style), and an ONNX model that takes audio samples (Perch, a CLAP audio tower).
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import type { Database } from 'better-sqlite3'
import { getRun } from '../catalog/runs'
import { EarmarkError } from '../errors'
import type { Recipe } from '../feature-sets/recipe'
import { DEEP_METADATA_FILE, MODEL_JSON } from '../models/deep/files'
import { isAudioGraphFolder, isGraphModelFolder } from '../models/deep/graph-format'
import { deepModelRecipe } from '../runs/predict-deep'
import { runModelPath } from '../runs/predict-unlabeled'
import type { TfjsBaseRef } from './base-ref'
import { hashFiles, modelFiles } from './model-files'
import { loadOnnxBase } from './onnx-base'
import { startWorkerEmbedder } from './tfjs-host'
import { sampleWindows } from './windows'

/** A base, resolved: what it is, what identifies it, and how windows reach it. */
export interface EmbeddingBase {
  kind: 'earmark' | 'tfjs-layers' | 'tfjs-graph' | 'onnx'
  /** The model's folder or file (absolute). */
  path: string
  /** Hash of the model's files (and the output read): equal hashes, equal embeddings. */
  hash: string
  /** The rate windows are read at. */
  sampleRate: number
  /** The window (seconds) when none is given: the length the model was made for. */
  defaultWindow: number
  /** An Earmark model's feature set (its inputs are computed from each window by it); null for bases that take samples. */
  recipe: Recipe | null
  /** Samples the model takes per window, where it fixes them (windows are cut or zero-padded to it). */
  samples: number | null
  /** The output read as the embedding (a GraphModel's node or an ONNX output), when one was asked for. */
  output: string | null
}

/** How to resolve a base. */
export interface BaseOptions {
  /** The project, where the base may be given as one of its run ids. */
  db?: Database
  /** The rate a base that takes samples reads them at (default 16,000 Hz, YAMNet's). */
  sampleRate?: number
  /** The output to read (a GraphModel node or an ONNX output name; default: named like an embedding, else the first). */
  output?: string
}

/** Bases that take audio read it at this rate unless told: YAMNet's and most speech models'. */
const DEFAULT_AUDIO_RATE = 16000

const NOT_A_BASE =
  'expected a run id, a run or export folder of a deep model, a TensorFlow.js model folder (model.json) or an .onnx file'

/** Resolves `--base`: a run id of the project, or the path of a model folder or file. */
export async function resolveBase(spec: string, options: BaseOptions = {}): Promise<EmbeddingBase> {
  let path = spec
  if (/^\d+$/.test(spec) && options.db && !existsSync(spec)) path = runModelPath(getRun(options.db, Number(spec)))
  path = resolve(path)
  let isDir: boolean
  try {
    isDir = statSync(path).isDirectory()
  } catch {
    throw new EarmarkError('invalid-input', `no model at ${spec}: ${NOT_A_BASE}`)
  }
  if (!isDir && basename(path) === MODEL_JSON) return resolveBase(resolve(path, '..'), options)
  const output = options.output ?? null
  if (!isDir) {
    if (extname(path).toLowerCase() !== '.onnx') throw new EarmarkError('invalid-input', `${path}: ${NOT_A_BASE}`)
    const onnx = await loadOnnxBase(path, output)
    await onnx.close()
    const sampleRate = options.sampleRate ?? DEFAULT_AUDIO_RATE
    return {
      kind: 'onnx',
      path,
      hash: hashFiles(path, [path], `onnx:${onnx.output}`),
      sampleRate,
      defaultWindow: onnx.samples === null ? 1 : onnx.samples / sampleRate,
      recipe: null,
      samples: onnx.samples,
      output,
    }
  }
  if (existsSync(join(path, DEEP_METADATA_FILE))) {
    const recipe = await deepModelRecipe(path)
    return {
      kind: 'earmark',
      path,
      hash: hashFiles(path, modelFiles(path), 'earmark'),
      sampleRate: recipe.config.sampleRate,
      defaultWindow: recipeSeconds(recipe),
      recipe,
      samples: null,
      output: null,
    }
  }
  if (!existsSync(join(path, MODEL_JSON)))
    throw new EarmarkError('invalid-input', `${path} holds no model: ${NOT_A_BASE}`)
  const sampleRate = options.sampleRate ?? DEFAULT_AUDIO_RATE
  const graph = await isGraphModelFolder(path)
  const samples = graph ? await graphSamples(path) : layersSamples(path)
  return {
    kind: graph ? 'tfjs-graph' : 'tfjs-layers',
    path,
    hash: hashFiles(path, modelFiles(path), `${graph ? 'graph' : 'layers'}:${output ?? ''}`),
    sampleRate,
    defaultWindow: typeof samples === 'number' ? samples / sampleRate : 1,
    recipe: null,
    samples: typeof samples === 'number' ? samples : null,
    output,
  }
}

/** How long a window an Earmark model's set makes its inputs from: its fixLength, else its input's span. */
function recipeSeconds(recipe: Recipe): number {
  const fixed = [...recipe.pipeline].reverse().find((s) => s.step === 'fixLength')
  if (fixed && fixed.step === 'fixLength') return fixed.seconds
  const { input, config } = recipe
  if (input.kind === 'waveform') return input.samples / config.sampleRate
  if (input.kind === 'image' || input.kind === 'sequence')
    return (Math.max(1, input.frames - 1) * config.hop) / config.sampleRate
  return 1
}

/** The samples a GraphModel takes per window: any number for [samples] (YAMNet), else its [batch, samples]. */
async function graphSamples(dir: string): Promise<number | null> {
  if (await isAudioGraphFolder(dir)) return null
  const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as {
    modelTopology?: { node?: { op?: string; attr?: { shape?: { shape?: { dim?: { size?: string }[] } } } }[] }
  }
  const input = json.modelTopology?.node?.find((n) => n.op === 'Placeholder')
  const dims = (input?.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1))
  if (dims.length === 2 && (dims[1] as number) > 0) return dims[1] as number
  throw new EarmarkError(
    'invalid-input',
    `the GraphModel in ${dir} takes inputs of shape [${dims.join(', ')}]: expected audio samples ([samples] or [batch, samples]); Earmark's own runs embed from the feature set they record`,
  )
}

/** The samples a LayersModel takes per window: its input [batch, samples] or [batch, samples, 1]. */
function layersSamples(dir: string): number {
  let shape: unknown
  try {
    const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as {
      modelTopology?: {
        config?: { layers?: { config?: { batch_input_shape?: unknown; batchInputShape?: unknown } }[] }
      }
    }
    const first = json.modelTopology?.config?.layers?.[0]?.config
    shape = first?.batch_input_shape ?? first?.batchInputShape
  } catch (error) {
    throw new EarmarkError(
      'invalid-input',
      `${join(dir, MODEL_JSON)} is not a TensorFlow.js model (${error instanceof Error ? error.message : String(error)})`,
    )
  }
  const dims = Array.isArray(shape) ? shape.map((d) => (typeof d === 'number' ? d : null)) : []
  const samples = dims[1]
  if ((dims.length === 2 || (dims.length === 3 && dims[2] === 1)) && typeof samples === 'number' && samples > 0) {
    return samples
  }
  throw new EarmarkError(
    'invalid-input',
    `the LayersModel in ${dir} takes inputs of shape [${dims.map((d) => d ?? '?').join(', ')}]: expected audio samples ([batch, samples]); Earmark's own runs embed from the feature set they record`,
  )
}

/** A base ready to embed windows of recordings. */
export interface Embedder {
  /**
   * Row-major [starts.length × dims] embeddings of windows of `windowSamples` samples starting at
   * `starts` (sample offsets) of one recording's mono samples at the base's rate.
   */
  embed(
    samples: Float32Array,
    starts: readonly number[],
    windowSamples: number,
  ): Promise<{ vectors: Float32Array; dims: number }>
  close(): Promise<void>
}

/** Opens a base: ONNX in this thread (onnxruntime runs on its own threads), TensorFlow.js in the training worker. */
export async function openEmbedder(base: EmbeddingBase, signal?: AbortSignal): Promise<Embedder> {
  if (base.kind === 'onnx') {
    const onnx = await loadOnnxBase(base.path, base.output)
    return {
      embed: (samples, starts, windowSamples) => {
        const per = onnx.samples ?? windowSamples
        return onnx.embed(sampleWindows(samples, starts, windowSamples, per), starts.length)
      },
      close: () => onnx.close(),
    }
  }
  const ref: TfjsBaseRef = { kind: base.kind, dir: base.path, node: base.output }
  const worker = startWorkerEmbedder(ref, signal)
  return {
    // The window inputs (features for an Earmark model) are computed in the worker too, so a long
    // recording's thousands of windows never hold up the caller's thread.
    embed: async (samples, starts, windowSamples) => {
      // Only the samples these windows span cross to the worker, not the whole recording.
      const from = starts[0] ?? 0
      const to = Math.min(samples.length, (starts[starts.length - 1] ?? 0) + windowSamples)
      try {
        return await worker.embed({
          samples: samples.slice(from, Math.max(from, to)),
          starts: starts.map((s) => s - from),
          windowSamples,
          recipe: base.recipe,
          perWindow: base.samples ?? windowSamples,
        })
      } catch (error) {
        if (signal?.aborted) throw error
        throw new EarmarkError(
          'invalid-input',
          `${base.path}: ${error instanceof Error ? error.message : String(error)} (expected a model whose ${base.kind === 'tfjs-graph' ? 'embedding output' : 'penultimate layer'} gives a vector per window)`,
        )
      }
    },
    close: () => worker.close(),
  }
}
