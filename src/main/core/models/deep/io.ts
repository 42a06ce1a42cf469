// TensorFlow.js models in a local folder, in the format tfjs-node's `file://` handler and the
// tfjs converter use (model.json + binary weight shards), readable without tfjs-node.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { MODEL_JSON } from './files'

const WEIGHTS_FILE = 'weights.bin'

/** Writes a file through a temporary name and a rename, so a reader never sees half of it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`
  await writeFile(temp, data)
  await rename(temp, path)
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0)
  const buffers = Array.isArray(data) ? data : [data]
  const total = buffers.reduce((n, b) => n + b.byteLength, 0)
  const out = new Uint8Array(total)
  let offset = 0
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset)
    offset += b.byteLength
  }
  return out
}

/** An IOHandler that saves a model into `dir` (model.json + weights.bin). */
export function folderSaver(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = weightBytes(artifacts.weightData)
      await writeFileAtomic(join(dir, WEIGHTS_FILE), weights)
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      }
      await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json))
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      }
    },
  }
}

/** An IOHandler that loads the model in `dir` (its model.json and every weight shard it lists). */
export function folderLoader(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = []
        const parts: Uint8Array[] = []
        for (const group of manifest) {
          for (const path of group.paths) parts.push(new Uint8Array(await readFile(join(dir, path))))
          specs.push(...group.weights)
        }
        const bytes = weightBytes(
          parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer),
        )
        return [specs, bytes.buffer as ArrayBuffer]
      })
    },
  }
}

/** Loads a LayersModel from a folder (a model exported by Earmark, or any tfjs layers model). */
export async function loadLayersModelFrom(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(folderLoader(dir))
}
