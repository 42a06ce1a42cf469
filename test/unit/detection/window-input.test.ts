import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PipelineInput } from '@shared/preprocess'
import { decodeAudioBytes } from '../../../src/main/core/audio'
import { windowInputs, windowSummaries } from '../../../src/main/core/detection/window-input'
import { defaultSetParams, inputFor, recipeOf, type Recipe } from '../../../src/main/core/feature-sets/recipe'
import { resolveFeatureSetParams } from '../../../src/main/core/feature-sets/sets'
import { loadDeepInputs, loadSummaryFeatures } from '../../../src/main/core/runs/features'
import { fsddFiles } from '../../helpers/fsdd'
import { tempDir } from '../../helpers/temp'
import { encodeWav } from '../../helpers/wav-writer'

/** Three fsdd digits one after another: a short recording at 8 kHz. */
async function recording(): Promise<Float32Array> {
  const parts = await Promise.all(
    fsddFiles()
      .slice(0, 3)
      .map(async (f) => (await decodeAudioBytes(readFileSync(f.path))).channels[0] as Float32Array),
  )
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Each window as a file of its own (zero-padded past the recording's end, exact float samples). */
function windowFiles(dir: string, samples: Float32Array, starts: number[], length: number): string[] {
  return starts.map((start, i) => {
    const w = new Float32Array(length)
    w.set(samples.subarray(start, Math.min(samples.length, start + length)))
    const path = join(dir, `w${i}.wav`)
    writeFileSync(path, encodeWav([w], 8000, 'float32'))
    return path
  })
}

const facts = { sampleRate: 8000, seconds: 1 }
const normalized: PipelineInput = [
  { step: 'resample', sampleRate: 8000 },
  { step: 'normalize', mode: 'peak' },
  { step: 'fixLength', seconds: 1, mode: 'center' },
]

function recipeFor(purpose: 'image' | 'sequence' | 'waveform' | 'summary', pipeline?: PipelineInput): Recipe {
  const base = defaultSetParams(purpose, facts)
  // Samples at the recording's 8 kHz (the default for a model that takes audio is 16 kHz).
  const params = pipeline ? resolveFeatureSetParams(pipeline, { ...base.config, sampleRate: 8000 }) : base
  return recipeOf(null, params, inputFor(purpose, params, facts))
}

describe('windowInputs', () => {
  const length = 6000 // 0.75 s windows: shorter than the recipes' 1 s, so the pipeline pads them
  const cases: [string, Recipe][] = [
    ['image (default CNN input)', recipeFor('image')],
    ['image after peak normalisation and a centred fix', recipeFor('image', normalized)],
    ['sequence (default LSTM input)', recipeFor('sequence')],
    ['waveform', recipeFor('waveform', [{ step: 'fixLength', seconds: 1 }])],
  ]
  it.each(cases)('gives %s exactly as a clip of the window would', async (_, recipe) => {
    const dir = tempDir()
    const samples = await recording()
    const hop = 2000
    const starts: number[] = []
    for (let s = 0; s < samples.length; s += hop) starts.push(s)
    expect(starts.length).toBeGreaterThan(5)
    const windows = windowInputs(samples, starts, length, recipe)
    const clips = await loadDeepInputs({ files: windowFiles(dir, samples, starts, length) }, recipe, { workers: 0 })
    expect(clips.failed).toEqual([])
    expect(windows.shape).toEqual(clips.shape)
    expect(windows.x.length).toBe(clips.x.length)
    let worst = 0
    for (let i = 0; i < windows.x.length; i++) {
      worst = Math.max(worst, Math.abs((windows.x[i] as number) - (clips.x[i] as number)))
    }
    expect(worst).toBeLessThanOrEqual(1e-5)
  })

  // Starts a whole number of feature hops (128 samples) apart: windows share their frames.
  it.each([
    ['as long as the recipe', 8000],
    ['shorter than the recipe (padded)', 6000],
    ['longer than the recipe (cut)', 10000],
  ])('gives log-mel images of windows %s that share frames as clips of the windows would', async (_, length) => {
    const dir = tempDir()
    const samples = await recording()
    const recipe = recipeFor('image')
    const starts: number[] = []
    for (let s = 0; s < samples.length; s += 2048) starts.push(s)
    const windows = windowInputs(samples, starts, length, recipe)
    const clips = await loadDeepInputs({ files: windowFiles(dir, samples, starts, length) }, recipe, { workers: 0 })
    expect(windows.x.length).toBe(clips.x.length)
    let worst = 0
    for (let i = 0; i < windows.x.length; i++) {
      worst = Math.max(worst, Math.abs((windows.x[i] as number) - (clips.x[i] as number)))
    }
    expect(worst).toBeLessThanOrEqual(1e-5)
    // The same, a window at a time (no frames to share).
    const alone = starts.map((s) => windowInputs(samples, [s], length, recipe).x)
    alone.forEach((x, w) => expect(windows.x.subarray(w * x.length, (w + 1) * x.length)).toEqual(x))
  })

  it('refuses a summary recipe, a pipeline that segments and a bad window', () => {
    const samples = new Float32Array(8000)
    expect(() => windowInputs(samples, [0], 4000, recipeFor('summary'))).toThrow(/windowSummaries/)
    const segmenting = recipeFor('image', [{ step: 'segment', mode: 'fixed', window: 0.5 }])
    expect(() => windowInputs(samples, [0], 4000, segmenting)).toThrow(/segments/)
    expect(() => windowInputs(samples, [0], 0, recipeFor('image'))).toThrow(/positive whole number/)
    expect(() => windowInputs(samples, [-1], 4000, recipeFor('image'))).toThrow(/sample offset/)
  })
})

describe('windowSummaries', () => {
  it('gives the summary vectors a clip of each window would', async () => {
    const dir = tempDir()
    const samples = await recording()
    const starts = [0, 3000, 9000, samples.length - 1000]
    const recipe = recipeFor('summary')
    const windows = windowSummaries(samples, starts, 4000, recipe)
    const clips = await loadSummaryFeatures({ files: windowFiles(dir, samples, starts, 4000) }, recipe, { workers: 0 })
    expect(windows.names).toEqual(clips.names)
    expect(windows.x.length).toBe(clips.x.length)
    for (let i = 0; i < windows.x.length; i++) {
      expect(Math.abs((windows.x[i] as number) - (clips.x[i] as number))).toBeLessThanOrEqual(
        1e-5 * Math.max(1, Math.abs(clips.x[i] as number)),
      )
    }
  })
})
