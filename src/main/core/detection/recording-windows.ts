import type { RunFeatureSet } from '@shared/evaluation'
import { loadAudio } from '../audio'
import { beat } from '../heartbeat'
import { recipeFromRecord } from '../feature-sets/recipe'
import { windowInputs, windowSummaries } from './window-input'

/*
 * The audio worker's share of training on regions: one recording decoded (mixed to mono at the
 * recipe's rate) and the model inputs of the windows asked for. Untrusted bytes are decoded in the
 * worker, never on the main thread, as every other clip's features are.
 */

/** Windows of one recording to compute. */
export interface RecordingWindowsTask {
  path: string
  /** The run's recipe, as the catalog records it. */
  recipe: RunFeatureSet
  /** Window starts and length, seconds. */
  starts: number[]
  seconds: number
}

/** The windows' inputs: summary vectors for trees, or [frames × values] matrices for deep models. */
export type RecordingWindows =
  { kind: 'summary'; names: string[]; x: Float64Array } | { kind: 'frames'; shape: [number, number]; x: Float32Array }

/** Decodes a recording and computes its windows' inputs (runs in an audio worker). */
export async function computeRecordingWindows(task: RecordingWindowsTask): Promise<RecordingWindows> {
  const recipe = recipeFromRecord(task.recipe)
  const rate = recipe.config.sampleRate
  const decoded = await loadAudio(task.path, { mono: true, sampleRate: rate })
  const samples = decoded.channels[0] ?? new Float32Array(0)
  const starts = task.starts.map((s) => Math.round(s * rate))
  const length = Math.round(task.seconds * rate)
  // In chunks, with a beat after each: a long recording's windows take a while, and the pool
  // takes a task without beats for a hung decoder.
  const chunks: { names?: string[]; shape?: [number, number]; x: Float32Array | Float64Array }[] = []
  for (let from = 0; from < starts.length || from === 0; from += CHUNK) {
    const part = starts.slice(from, from + CHUNK)
    chunks.push(
      recipe.input.kind === 'summary'
        ? windowSummaries(samples, part, length, recipe)
        : windowInputs(samples, part, length, recipe),
    )
    beat()
  }
  const total = chunks.reduce((n, c) => n + c.x.length, 0)
  if (recipe.input.kind === 'summary') {
    const x = new Float64Array(total)
    chunks.reduce((at, c) => (x.set(c.x, at), at + c.x.length), 0)
    return { kind: 'summary', names: chunks[0]?.names ?? [], x }
  }
  const x = new Float32Array(total)
  chunks.reduce((at, c) => (x.set(c.x, at), at + c.x.length), 0)
  return { kind: 'frames', shape: chunks[0]?.shape ?? [0, 0], x }
}

/** Windows computed between beats. */
const CHUNK = 64
