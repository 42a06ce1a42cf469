// fsdd-dev as deep-model inputs: every clip's features under one recipe, its digit, and the
// dataset's own split (takes 0-4 test, 5-49 train).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadAudio } from '../../src/main/core/audio'
import { deepFeatures, deepFeatureShape, type DeepFeatureConfig } from '../../src/main/core/training'
import { FSDD } from './fsdd'

/** fsdd-dev's clips as fixed-shape features, labels and split. */
export interface FsddFeatures {
  features: Float32Array
  shape: [number, number]
  labels: Int32Array
  /** Take number of each clip. */
  takes: Int32Array
  classes: string[]
  train: number[]
  test: number[]
}

/** Computes the features of every fsdd-dev clip (a few seconds for 1,500 clips). */
export async function fsddFeatures(recipe: DeepFeatureConfig): Promise<FsddFeatures> {
  const files = readdirSync(FSDD)
    .filter((f) => /^\d_[a-z]+_\d+\.wav$/.test(f))
    .sort()
  const shape = deepFeatureShape(recipe)
  const per = shape[0] * shape[1]
  const features = new Float32Array(files.length * per)
  const labels = new Int32Array(files.length)
  const takes = new Int32Array(files.length)
  const train: number[] = []
  const test: number[] = []
  for (const [i, file] of files.entries()) {
    const [digit, , take] = file.replace('.wav', '').split('_') as [string, string, string]
    const audio = await loadAudio(join(FSDD, file), { sampleRate: recipe.sampleRate, mono: true })
    features.set(deepFeatures(audio.channels[0] as Float32Array, recipe), i * per)
    labels[i] = Number(digit)
    takes[i] = Number(take)
    ;(Number(take) <= 4 ? test : train).push(i)
  }
  return { features, shape, labels, takes, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], train, test }
}
