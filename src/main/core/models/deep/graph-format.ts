// What a GraphModel folder's model.json says, read as JSON without TensorFlow.js (the main
// process decides a transfer run's input recipe before the training worker loads the graph).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MODEL_JSON } from './files'

/** The parts of a GraphModel's model.json read here. */
interface GraphModelJson {
  format?: unknown
  modelTopology?: { node?: unknown }
}

interface GraphNode {
  op?: unknown
  attr?: { shape?: { shape?: { dim?: unknown } } }
}

async function readModelJson(dir: string): Promise<GraphModelJson | null> {
  try {
    return JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as GraphModelJson
  } catch {
    return null
  }
}

/** Whether the folder's model.json is a GraphModel (format "graph-model", or a GraphDef topology). */
export async function isGraphModelFolder(dir: string): Promise<boolean> {
  const json = await readModelJson(dir)
  return json !== null && (json.format === 'graph-model' || Array.isArray(json.modelTopology?.node))
}

/**
 * Whether the folder holds a GraphModel that takes one clip's samples, unbatched: its input
 * (first Placeholder) has a single axis, as YAMNet's [samples].
 */
export async function isAudioGraphFolder(dir: string): Promise<boolean> {
  const json = await readModelJson(dir)
  const nodes = json?.modelTopology?.node
  if (!Array.isArray(nodes)) return false
  const input = (nodes as GraphNode[]).find((n) => n.op === 'Placeholder')
  const dims = input?.attr?.shape?.shape?.dim
  return Array.isArray(dims) && dims.length === 1
}
