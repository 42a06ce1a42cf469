/**
 * Preprocessing steps on all of fsdd-dev, one thread: audio-seconds processed per second
 * for each step alone (denoise with noisereduce's defaults but n_fft 256 at 8 kHz, trim, events
 * segmentation, peak normalisation, pad/crop), the files decoded into memory first and not timed.
 * Median of 3 passes. There is no Python reference here: the `noisereduce` package is not on this
 * machine (Debian does not package it), so only our own figures are printed.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { PreprocessStepInput } from '@shared/preprocess'
import { loadAudio } from '../src/main/core/audio'
import { runPipeline } from '../src/main/core/preprocess'
import { finish } from './report'

const fsdd = join(import.meta.dirname, '..', 'test', 'data', 'fsdd-dev')
if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const names = readdirSync(fsdd)
  .filter((f) => f.endsWith('.wav'))
  .sort()
const clips = await Promise.all(names.map((n) => loadAudio(join(fsdd, n), { mono: true })))
const seconds = clips.reduce((s, c) => s + (c.channels[0]?.length ?? 0) / c.sampleRate, 0)

const steps: [string, string, PreprocessStepInput][] = [
  ['denoise (n_fft 256)', 'denoise', { step: 'denoise', nFft: 256 }],
  ['trim (top_db 60, 256/64)', 'trim', { step: 'trim', frameLength: 256, hop: 64 }],
  ['segment events (256/64)', 'segmentEvents', { step: 'segment', mode: 'events', frameLength: 256, hop: 64 }],
  ['normalize peak', 'normalizePeak', { step: 'normalize' }],
  ['fixLength 1 s centre', 'fixLength', { step: 'fixLength', seconds: 1, mode: 'center' }],
]
const figures: Record<string, number> = { files: clips.length, audioSeconds: seconds }
console.log(`fsdd-dev: ${clips.length} files, ${seconds.toFixed(1)} s of audio, 1 thread`)
for (const [label, key, step] of steps) {
  const times: number[] = []
  for (let pass = 0; pass < 4; pass++) {
    const started = performance.now()
    for (const clip of clips) await runPipeline({ sampleRate: clip.sampleRate, channels: clip.channels }, [step])
    if (pass > 0) times.push((performance.now() - started) / 1000)
  }
  const median = times.sort((a, b) => a - b)[1] as number
  console.log(
    `${label.padEnd(26)} ${(clips.length / median).toFixed(0).padStart(7)} files/s ${(seconds / median).toFixed(0).padStart(8)} audio-s/s`,
  )
  figures[`${key}AudioSecondsPerSecond`] = seconds / median
}
await finish('preprocess', {
  machine: {
    engine: `Earmark's preprocessing steps (TypeScript) on Node ${process.version}, 1 thread`,
    reference: null,
  },
  figures,
  ratios: {},
})
