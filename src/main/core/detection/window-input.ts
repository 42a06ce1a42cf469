import { EarmarkError } from '../errors'
import {
  extractFeatures,
  featureRows,
  frameCount,
  logmelSettings,
  melFilterbank,
  melFrame,
  planStft,
  powerToDbInto,
  resolveFeatureConfig,
  summarizeFrames,
  summaryNames,
  type FeatureConfig,
  type FeatureName,
  type FrameMatrix,
} from '../features'
import { assertWholeClips, recipeShape, type Recipe } from '../feature-sets/recipe'
import { monoOf, runPipelineAtRate } from '../preprocess'

/*
 * A window is a short clip. Training on regions and detection both score windows of a recording
 * (mono samples at the recipe's rate) by computing exactly what a clip of the window's length
 * would give: the recipe's pipeline applied to the window's samples, its features, then the
 * image, sequence or samples cut or padded to the recipe's frames as the feature matrices do
 * (feature-sets/matrix.ts). One function for both, so a model sees the same numbers in training
 * and in detection.
 *
 * Windows whose starts lie a whole number of feature hops apart share most of their STFT frames
 * (a frame inside two windows is the same samples in both): their log-mel images are then made
 * from frames computed once, and only the frames a window pads (its edges) are computed for it,
 * which gives the same numbers as computing each window alone (a test checks it) several times
 * faster. Detection picks such hops for log-mel models.
 */

/** The model inputs of windows, for deep models: window w's frame t, value i at `x[(w * frames + t) * values + i]`. */
export interface WindowInputs {
  x: Float32Array
  /** [frames, values per frame], as `recipeShape` gives. */
  shape: [number, number]
}

/** The summary vectors of windows, for trees: window w's column j at `x[w * names.length + j]`. */
export interface WindowSummaries {
  names: string[]
  x: Float64Array
}

/** The model inputs of windows of one recording's samples (mono, at recipe.config.sampleRate). */
export function windowInputs(
  samples: Float32Array,
  starts: readonly number[],
  windowSamples: number,
  recipe: Recipe,
): WindowInputs {
  const { input } = recipe
  if (input.kind === 'summary') {
    throw new EarmarkError('internal', 'a summary recipe reads windows as summary vectors (windowSummaries)')
  }
  const shape = recipeShape(recipe)
  const [frames, values] = shape
  const size = frames * values
  const x = new Float32Array(starts.length * size)
  if (sharedLogmelImages(samples, starts, windowSamples, recipe, x)) return { x, shape }
  const prepare = windowPreparer(recipe, windowSamples)
  starts.forEach((start, w) => {
    const audio = prepare(samples, start)
    const out = x.subarray(w * size, (w + 1) * size)
    switch (input.kind) {
      case 'waveform':
        // Cut or zero-padded at the end (the array is zero-filled).
        out.set(audio.subarray(0, Math.min(frames, audio.length)))
        break
      case 'image': {
        const m = extracted(audio, recipe.config, [input.feature])[0] as FrameMatrix
        copyImage(m, frames, out)
        break
      }
      case 'sequence':
        copySequence(extracted(audio, recipe.config, recipe.config.features), frames, values, out)
        break
    }
  })
  return { x, shape }
}

/** The summary vectors of windows of one recording's samples (mono, at recipe.config.sampleRate), for trees. */
export function windowSummaries(
  samples: Float32Array,
  starts: readonly number[],
  windowSamples: number,
  recipe: Recipe,
): WindowSummaries {
  const { config } = recipe
  const names = summaryNames(config)
  const x = new Float64Array(starts.length * names.length)
  const prepare = windowPreparer(recipe, windowSamples)
  starts.forEach((start, w) => {
    const matrices = extracted(prepare(samples, start), config, config.features)
    let col = w * names.length
    for (const m of matrices) {
      const stats = summarizeFrames(m, config.stats)
      x.set(stats, col)
      col += stats.length
    }
  })
  return { names, x }
}

/**
 * The preprocessed audio of the window at `start` (zero-padded past the recording's end), as a
 * clip of those samples would be preprocessed: the recipe's pipeline, then the mean of the channels.
 */
function windowPreparer(recipe: Recipe, windowSamples: number): (samples: Float32Array, start: number) => Float32Array {
  assertWholeClips(recipe)
  if (!(Number.isInteger(windowSamples) && windowSamples > 0)) {
    throw new EarmarkError('invalid-input', `a window must be a positive whole number of samples, not ${windowSamples}`)
  }
  const sampleRate = recipe.config.sampleRate
  const plain = recipe.pipeline.every((s) => s.step === 'resample' && s.sampleRate === sampleRate)
  return (samples, start) => {
    if (!(Number.isInteger(start) && start >= 0)) {
      throw new EarmarkError('invalid-input', `a window must start at a sample offset of 0 or more, not ${start}`)
    }
    const window = new Float32Array(windowSamples)
    window.set(samples.subarray(start, Math.min(samples.length, start + windowSamples)))
    if (plain) return window
    // A random crop's offset is seeded by nothing but the step's seed: windows have no content hash.
    const { pieces } = runPipelineAtRate({ sampleRate, channels: [window] }, recipe.pipeline)
    const piece = pieces[0]
    if (!piece) return new Float32Array(0)
    return monoOf(piece.channels)
  }
}

/** Features of one window's samples, in the order asked (each as the clip's frames would be cached). */
function extracted(audio: Float32Array, config: FeatureConfig, features: readonly FeatureName[]): FrameMatrix[] {
  const wanted = subsetConfig(config, features)
  const { matrices } = extractFeatures(audio, config.sampleRate, wanted)
  return features.map((f) => matrices[f] ?? { data: new Float32Array(0), nFrames: 0, nValues: featureRows(f, config) })
}

const subsets = new WeakMap<FeatureConfig, Map<string, FeatureConfig>>()

/** The configuration with only some features: resolved once per recipe, not once per window. */
function subsetConfig(config: FeatureConfig, features: readonly FeatureName[]): FeatureConfig {
  let byKey = subsets.get(config)
  if (!byKey) subsets.set(config, (byKey = new Map()))
  const key = features.join(',')
  let subset = byKey.get(key)
  if (!subset) byKey.set(key, (subset = resolveFeatureConfig({ ...config, features: [...features] })))
  return subset
}

/** An image cut at the end or padded with its minimum (the log-mel's floor), as image matrices are. */
export function copyImage(m: FrameMatrix, frames: number, out: Float32Array): void {
  const kept = Math.min(frames, m.nFrames)
  out.set(m.data.subarray(0, kept * m.nValues))
  if (kept < frames) {
    let floor = Infinity
    for (const v of m.data) if (v < floor) floor = v
    out.fill(floor === Infinity ? 0 : floor, kept * m.nValues)
  }
}

/** Every feature side by side per frame, cut at the end or padded with zero frames, as sequence matrices are. */
export function copySequence(
  matrices: readonly FrameMatrix[],
  frames: number,
  values: number,
  out: Float32Array,
): void {
  let col = 0
  for (const m of matrices) {
    const kept = Math.min(frames, m.nFrames)
    for (let t = 0; t < kept; t++) out.set(m.data.subarray(t * m.nValues, (t + 1) * m.nValues), t * values + col)
    col += m.nValues
  }
}

/**
 * Log-mel images of windows whose starts are a whole number of feature hops apart, each frame that
 * lies inside a window's own samples computed once for every window it is in; false (nothing
 * written) when the recipe or the starts do not allow it: another input than a log-mel image, a
 * pipeline that changes the samples (more than cutting or padding them at the end), or starts
 * off the frames' grid.
 */
function sharedLogmelImages(
  samples: Float32Array,
  starts: readonly number[],
  windowSamples: number,
  recipe: Recipe,
  out: Float32Array,
): boolean {
  const { input, config, pipeline } = recipe
  if (input.kind !== 'image' || input.feature !== 'logmel' || starts.length < 2) return false
  const rate = config.sampleRate
  // What the pipeline leaves of a window: its first `kept` samples, then zeros to `length`.
  let kept = windowSamples
  let length = windowSamples
  for (const step of pipeline) {
    if (step.step === 'resample' && step.sampleRate === rate) continue
    if (step.step !== 'fixLength' || step.mode !== 'start') return false
    length = Math.max(1, Math.round(step.seconds * rate))
    kept = Math.min(kept, length)
  }
  const first = starts[0] as number
  if (!(Number.isInteger(windowSamples) && windowSamples > 0)) return false
  if (starts.some((s) => !(Number.isInteger(s) && s >= 0) || (s - first) % config.hop !== 0)) return false

  const settings = logmelSettings(config)
  const stft = planStft(settings.stft)
  const filterbank = melFilterbank({ ...settings.mel, nFft: stft.options.nFft })
  const { nFft, hopLength: hop, center } = stft.options
  const nMels = filterbank.nMels
  const pad = center ? Math.floor(nFft / 2) : 0
  const nFrames = frameCount(length, nFft, hop, center)
  const frames = input.frames
  const power = new Float64Array(stft.nBins)
  const melPower = (signal: Float64Array, t: number, into: Float32Array, at: number): void => {
    stft.powerFrame(signal, t, power)
    // Rounded to float32 as a stored spectrogram is, then the mel filters: as extractFeatures does.
    for (let k = 0; k < power.length; k++) power[k] = Math.fround(power[k] as number)
    melFrame(filterbank, power, into, at)
  }

  // The shared frames: frame g of the grid starts at `origin + g · hop` in the recording.
  const origin = first - pad
  const inside = (start: number, t: number): boolean => {
    const at = start - pad + t * hop
    return at >= start && at + nFft <= start + Math.min(kept, samples.length - start)
  }
  let lowest = Infinity
  let highest = -Infinity
  for (const start of starts) {
    for (let t = 0; t < nFrames; t++) {
      if (!inside(start, t)) continue
      const g = (start - first) / hop + t
      lowest = Math.min(lowest, g)
      highest = Math.max(highest, g)
    }
  }
  const shared = lowest <= highest ? new Float32Array((highest - lowest + 1) * nMels) : new Float32Array(0)
  const done = new Uint8Array(lowest <= highest ? highest - lowest + 1 : 0)
  const spanStart = origin + lowest * hop
  const span =
    lowest <= highest
      ? Float64Array.from(samples.subarray(spanStart, origin + highest * hop + nFft))
      : new Float64Array(0)

  const image = new Float32Array(nFrames * nMels)
  const audio = new Float32Array(length)
  starts.forEach((start, w) => {
    let padded: Float64Array | null = null
    for (let t = 0; t < nFrames; t++) {
      if (inside(start, t)) {
        const g = (start - first) / hop + t - lowest
        if (!done[g]) {
          melPower(span, g, shared, g * nMels)
          done[g] = 1
        }
        image.set(shared.subarray(g * nMels, (g + 1) * nMels), t * nMels)
      } else {
        if (!padded) {
          audio.fill(0)
          audio.set(samples.subarray(start, Math.min(samples.length, start + kept)))
          padded = stft.frames(audio).padded
        }
        melPower(padded, t, image, t * nMels)
      }
    }
    powerToDbInto(image, image, { ref: 1, amin: 1e-10, topDb: settings.topDb })
    copyImage(
      { data: image, nFrames, nValues: nMels },
      frames,
      out.subarray(w * frames * nMels, (w + 1) * frames * nMels),
    )
  })
  return true
}
