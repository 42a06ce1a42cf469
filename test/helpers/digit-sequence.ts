import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FSDD } from './fsdd'
import { readPcm16 } from './long-recordings'
import { encodeWav } from './wav-writer'

/** fsdd-dev's sample rate, which a digit sequence keeps. */
const RATE = 8000

/** A digit in a sequence: its class (the digit) and where it lies, seconds. */
export interface PlacedSpan {
  label: string
  start: number
  end: number
}

/**
 * Writes one 8 kHz recording of fsdd-dev takes (named as `0_george_0`) spoken in the order given,
 * with `gap` seconds of faint white noise before each and at the end, and returns where each lies.
 * Unlike buildLongRecordings, the takes are placed whole, in a known order at known times, for
 * studio tests that point at one digit or store detections of them. `seed` draws the noise.
 */
export function writeDigitSequence(
  path: string,
  takes: readonly string[],
  options: { gap?: number; seed: number },
): { placed: PlacedSpan[]; seconds: number } {
  const parts = takes.map((name) => readPcm16(join(FSDD, `${name}.wav`)))
  const gap = Math.round((options.gap ?? 0.8) * RATE)
  const length = parts.reduce((sum, p) => sum + p.samples.length + gap, gap)
  const out = new Float32Array(length)
  let seed = options.seed
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    out[i] = 0.002 * ((seed / 2147483648) * 2 - 1)
  }
  const placed: PlacedSpan[] = []
  let at = gap
  for (const [i, part] of parts.entries()) {
    if (part.sampleRate !== RATE) throw new Error(`${takes[i]} is at ${part.sampleRate} Hz, not ${RATE}`)
    for (let j = 0; j < part.samples.length; j++) out[at + j] = (out[at + j] as number) + (part.samples[j] as number)
    placed.push({ label: (takes[i] as string)[0] as string, start: at / RATE, end: (at + part.samples.length) / RATE })
    at += part.samples.length + gap
  }
  writeFileSync(path, encodeWav([out], RATE, 'pcm16'))
  return { placed, seconds: length / RATE }
}
