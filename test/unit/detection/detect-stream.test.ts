// A recording streamed through a detector chunk by chunk and batch by batch gives the windows, and
// so the scores and events, of the whole recording decoded at once.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAudio } from '../../../src/main/core/audio'
import { detectRecording } from '../../../src/main/core/detection/detect'
import type { Detector } from '../../../src/main/core/detection/detector'
import { eventsFromScores, windowStarts } from '../../../src/main/core/detection/events'
import { windowInputs } from '../../../src/main/core/detection/window-input'
import { defaultSetParams, inputFor, recipeOf } from '../../../src/main/core/feature-sets/recipe'
import { tempDir } from '../../helpers/temp'
import { encodeWav } from '../../helpers/wav-writer'

const facts = { sampleRate: 8000, seconds: 1 }
const params = defaultSetParams('image', facts)
const recipe = recipeOf(null, params, inputFor('image', params, facts))

/** Scores each window by its image's mean level (two classes, a and b = 1 - a), keeping every input it saw. */
function fakeDetector(hop: number): Detector & { seen: number[] } {
  const seen: number[] = []
  return {
    kind: 'deep',
    model: 'fake',
    modelPath: '',
    classes: ['a', 'b'],
    outputs: { output: 'softmax', background: null, thresholds: { a: 0.5, b: 0.5 }, windowing: null },
    recipe,
    window: { seconds: 1, hop },
    seen,
    score: (x, count) => {
      const per = x.length / count
      const out = new Float32Array(2 * count)
      for (let w = 0; w < count; w++) {
        let sum = 0
        for (let i = 0; i < per; i++) sum += x[w * per + i] as number
        const a = 1 / (1 + Math.exp(-(sum / per + 40) / 5))
        seen.push(sum / per)
        out[2 * w] = a
        out[2 * w + 1] = 1 - a
      }
      return Promise.resolve(out)
    },
  }
}

/** Three minutes at 22.05 kHz, loud and quiet in turns: read in many chunks and resampled on the way. */
function writeRecording(path: string): void {
  const rate = 22050
  const samples = new Float32Array(180 * rate)
  let seed = 9
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    const loud = Math.floor(i / (rate * 2.7)) % 2 === 0
    samples[i] = (loud ? 0.3 : 0.002) * (seed / 1073741824 - 1) + 0.2 * Math.sin(i * 0.05)
  }
  writeFileSync(path, encodeWav([samples], rate, 'pcm16'))
}

describe('detectRecording', () => {
  it.each([
    ['whose windows share frames', 0.256],
    ['off the frames’ grid', 0.25],
  ])('scores a long recording streamed in chunks as it scores the whole (hop %s)', async (_, hop) => {
    const path = join(tempDir(), 'long.wav')
    writeRecording(path)
    const detector = fakeDetector(hop)
    const found = await detectRecording(detector, path)
    expect(found.duration).toBeCloseTo(180, 6)
    expect(found.sampleRate).toBe(22050)

    const whole = (await loadAudio(path, { mono: true, sampleRate: 8000 })).channels[0] as Float32Array
    const hopSamples = Math.round(hop * 8000)
    const starts = windowStarts(whole.length, hopSamples)
    expect(found.windows).toBe(starts.length)
    const reference = fakeDetector(hop)
    const scores = await reference.score(windowInputs(whole, starts, 8000, recipe).x, starts.length)
    // Every window's mean level as the whole recording gives it. Resampling a signal this long in
    // one call leaves its last ~18 ms (the filter's delay) at zero, where the stream drains the
    // filter: windows reaching into them are left out.
    const exact = starts.filter((s) => s + 8000 <= whole.length - 200).length
    expect(detector.seen).toHaveLength(reference.seen.length)
    detector.seen
      .slice(0, exact)
      .forEach((v, i) => expect(Math.abs(v - (reference.seen[i] as number))).toBeLessThan(1e-3))
    const events = eventsFromScores(
      { classes: ['a', 'b'], scores, seconds: 1, hop: hopSamples / 8000, duration: whole.length / 8000 },
      { thresholds: 0.5, background: null },
    )
    const early = (e: { end: number }) => e.end < 175
    expect(found.events.filter(early).map((e) => [e.label, e.start, e.end])).toEqual(
      events.filter(early).map((e) => [e.label, e.start, e.end]),
    )
    expect(events.filter((e) => e.label === 'a').length).toBeGreaterThan(10)
  })
})
