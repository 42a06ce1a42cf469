import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mulberry32, shuffle, type Random } from '../../src/main/core/models/trees/random'
import type { FsddFile } from './fsdd'
import { encodeWav } from './wav-writer'

/*
 * Long recordings for sound-event detection, built from fsdd-dev's spoken digits at test time (so
 * nothing large is committed): each is 20-60 s of pink noise with one speaker's digits placed at
 * random onsets, each digit at its own signal-to-noise ratio, and an Audacity label track naming
 * every digit's span. A manifest lists the recordings with empty labels (they are unlabeled clips
 * whose regions come from the label tracks), the speaker as group and a split.
 *
 * How each piece is made:
 * - Trimming. fsdd's files carry some near-silence before and after the word. A digit's active
 *   part runs from the first to the last 10 ms frame (5 ms apart) whose energy is within
 *   TRIM_DB (25 dB) of the file's loudest frame; only that part is placed, so its label span is
 *   exactly the samples placed. 25 dB: at the quietest mix (6 dB SNR) the noise sits about
 *   11 dB below a digit's loudest frames, so what is trimmed would lie over 10 dB under the noise.
 *   The placed part fades in and out over FADE_SECONDS (5 ms, inside the span) so that cutting it
 *   does not add a click.
 * - Pink noise. Voss-McCartney: PINK_ROWS (8) random rows, row r redrawn every 2^(r+1) samples
 *   (the row numbered by the trailing zeros of the sample index), summed with a white row. Its
 *   power per hertz falls at 3 dB per octave (equal power per octave) from the Nyquist frequency
 *   down to about sampleRate / 2^(PINK_ROWS+1) (16 Hz at 8 kHz), and is flat below: no slow
 *   drift, so its power over a digit's span is close to its power over the recording. The sum,
 *   less its mean, is scaled to an RMS of exactly NOISE_RMS.
 * - SNR. A digit's SNR is the power of its active part (the placed samples) over the noise's
 *   power over the whole recording, NOISE_RMS²; each digit's is drawn uniformly in the range.
 * - Placement. A speaker's digits are shuffled and dealt out to recordings of random length:
 *   digits join a recording while their active parts fill at most `fill` of it. Onsets are then
 *   uniform among all placements that keep at least `minGap` seconds between digits and between
 *   a digit and either end of the recording (n sorted uniform draws spread the free time).
 */

/** Energy below the loudest frame, dB, under which a digit's leading and trailing frames are trimmed. */
export const TRIM_DB = 25
/** Fade at each end of a placed digit, seconds. */
export const FADE_SECONDS = 0.005
/** Voss-McCartney rows: pink down to sampleRate / 2^(PINK_ROWS+1). */
export const PINK_ROWS = 8
/**
 * The noise's RMS in every recording (-40 dBFS): fsdd-dev's peakiest digit (peak 11.6 times its
 * RMS) mixed at 15 dB peaks near 0.7, clear of clipping, and the noise is still 330 steps of 16 bits.
 */
export const NOISE_RMS = 0.01

/** One digit placed in a long recording: the ground truth its label track holds. */
export interface PlacedDigit {
  label: string
  /** Seconds from the recording's start: exactly the placed samples. */
  start: number
  end: number
  snrDb: number
  /** The fsdd file it came from. */
  source: string
}

/** A long recording as written: its audio, its label track, and what is in it. */
export interface LongRecording {
  path: string
  /** The Audacity label track, `<recording>.wav.txt`, the name `labels import` matches to the clip. */
  labelPath: string
  speaker: string
  split: string
  sampleRate: number
  seconds: number
  digits: PlacedDigit[]
}

export interface LongRecordingOptions {
  /** Seeds every choice: dealing, lengths, onsets, SNRs and the noise. */
  seed: number
  /** The fsdd recordings to place, each exactly once; recordings hold one speaker each. */
  digits: readonly FsddFile[]
  /** The split the manifest gives these recordings. */
  split: string
  /** Folder to write `audio/` and `labels/` into. */
  dir: string
  /** Length of a recording, seconds (the last of a speaker's may be shorter than drawn, never below min). */
  seconds?: { min: number; max: number }
  /** Per-digit SNR range, dB. */
  snrDb?: { min: number; max: number }
  /** Least silence (noise only) between digits and at either end, seconds. */
  minGap?: number
  /** Largest share of a recording its digits' active parts fill. */
  fill?: number
}

/** The samples of a mono 16-bit PCM WAV (fsdd's format), read independently of the readers under test. */
export function readPcm16(path: string): { samples: Float32Array; sampleRate: number } {
  const bytes = readFileSync(path)
  let at = 12
  let sampleRate = 0
  let data: Buffer | null = null
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4)
    const size = bytes.readUInt32LE(at + 4)
    if (id === 'fmt ') {
      const [format, channels, bits] = [
        bytes.readUInt16LE(at + 8),
        bytes.readUInt16LE(at + 10),
        bytes.readUInt16LE(at + 22),
      ]
      if (format !== 1 || channels !== 1 || bits !== 16) throw new Error(`${path}: not mono 16-bit PCM`)
      sampleRate = bytes.readUInt32LE(at + 12)
    } else if (id === 'data') data = bytes.subarray(at + 8, at + 8 + size)
    at += 8 + size + (size & 1)
  }
  if (!data || !sampleRate) throw new Error(`${path}: no fmt or data chunk`)
  const samples = new Float32Array(data.length >> 1)
  for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(2 * i) / 32768
  return { samples, sampleRate }
}

/** A digit's active part, in samples [start, end): see TRIM_DB. */
export function activeSpan(samples: Float32Array, sampleRate: number): { start: number; end: number } {
  const frame = Math.round(0.01 * sampleRate)
  const step = Math.round(0.005 * sampleRate)
  const energies: number[] = []
  for (let at = 0; at + frame <= samples.length; at += step) {
    let sum = 0
    for (let i = at; i < at + frame; i++) sum += (samples[i] as number) ** 2
    energies.push(sum / frame)
  }
  const floor = Math.max(...energies) * 10 ** (-TRIM_DB / 10)
  const first = energies.findIndex((e) => e >= floor)
  const last = energies.findLastIndex((e) => e >= floor)
  if (first < 0) throw new Error('a silent digit has no active part')
  return { start: first * step, end: Math.min(samples.length, last * step + frame) }
}

/** Mean power of `samples[start, end)`. */
export function power(samples: Float32Array, start = 0, end = samples.length): number {
  let sum = 0
  for (let i = start; i < end; i++) sum += (samples[i] as number) ** 2
  return sum / (end - start)
}

/** Pink noise by Voss-McCartney (see above), scaled to `rms`. */
export function pinkNoise(length: number, random: Random, rms: number): Float32Array {
  const rows = Float64Array.from({ length: PINK_ROWS }, () => 2 * random() - 1)
  let rowSum = rows.reduce((a, b) => a + b, 0)
  const out = new Float64Array(length)
  for (let n = 0; n < length; n++) {
    if (n > 0) {
      // Row r changes at samples whose index has exactly r trailing zeros: every 2^(r+1) samples.
      const r = 31 - Math.clz32(n & -n)
      if (r < PINK_ROWS) {
        const next = 2 * random() - 1
        rowSum += next - (rows[r] as number)
        rows[r] = next
      }
    }
    out[n] = rowSum + 2 * random() - 1
  }
  let mean = 0
  for (const v of out) mean += v
  mean /= length
  let sum = 0
  for (let n = 0; n < length; n++) sum += ((out[n] as number) - mean) ** 2
  const scale = rms / Math.sqrt(sum / length)
  return Float32Array.from(out, (v) => (v - mean) * scale)
}

/** A digit ready to place: its active part, faded at both ends. */
function trimmedDigit(file: FsddFile, sampleRate: number): Float32Array {
  const read = readPcm16(file.path)
  if (read.sampleRate !== sampleRate) throw new Error(`${file.path} is at ${read.sampleRate} Hz, not ${sampleRate}`)
  const { start, end } = activeSpan(read.samples, sampleRate)
  const part = read.samples.slice(start, end)
  const fade = Math.min(Math.round(FADE_SECONDS * sampleRate), part.length >> 1)
  for (let i = 0; i < fade; i++) {
    const gain = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / fade)
    part[i] = (part[i] as number) * gain
    part[part.length - 1 - i] = (part[part.length - 1 - i] as number) * gain
  }
  return part
}

const uniform = (random: Random, min: number, max: number) => min + (max - min) * random()

/**
 * Builds and writes long recordings of `options.digits` (see above), one speaker per recording:
 * `dir/audio/<split>-<speaker>-<n>.wav` and its label track `dir/labels/<same>.wav.txt`.
 */
export function buildLongRecordings(options: LongRecordingOptions): LongRecording[] {
  const { seed, split, dir } = options
  const seconds = options.seconds ?? { min: 20, max: 60 }
  const snrDb = options.snrDb ?? { min: 6, max: 15 }
  const minGap = options.minGap ?? 0.3
  const fill = options.fill ?? 0.25
  const sampleRate = 8000
  const random = mulberry32(seed)
  mkdirSync(join(dir, 'audio'), { recursive: true })
  mkdirSync(join(dir, 'labels'), { recursive: true })

  const speakers = [...new Set(options.digits.map((d) => d.speaker))].sort()
  const recordings: LongRecording[] = []
  for (const speaker of speakers) {
    const files = options.digits.filter((d) => d.speaker === speaker)
    const order = Array.from(files, (_, i) => i)
    shuffle(order, random)
    const pool = order.map((i) => ({
      file: files[i] as FsddFile,
      samples: trimmedDigit(files[i] as FsddFile, sampleRate),
    }))
    while (pool.length > 0) {
      let length = Math.round(uniform(random, seconds.min, seconds.max) * sampleRate)
      const taken: typeof pool = []
      let active = 0
      while (pool.length > 0 && active + (pool[0] as (typeof pool)[0]).samples.length <= fill * length) {
        const next = pool.shift() as (typeof pool)[0]
        taken.push(next)
        active += next.samples.length
      }
      if (taken.length === 0)
        throw new Error(`a ${seconds.min}-${seconds.max} s recording cannot hold one digit at fill ${fill}`)
      // The speaker's last recording is as long as its digits need at the same fill, within the range.
      if (pool.length === 0)
        length = Math.max(Math.round(seconds.min * sampleRate), Math.min(length, Math.ceil(active / fill)))
      const gap = Math.round(minGap * sampleRate)
      const free = length - active - (taken.length + 1) * gap
      if (free < 0) throw new Error(`${taken.length} digits and their gaps do not fit in ${length / sampleRate} s`)
      const slack = Array.from(taken, () => Math.floor(random() * (free + 1))).sort((a, b) => a - b)

      const noise = pinkNoise(length, random, NOISE_RMS)
      const mix = Float32Array.from(noise)
      const noisePower = NOISE_RMS ** 2
      const digits: PlacedDigit[] = []
      let cursor = gap
      taken.forEach(({ file, samples }, i) => {
        const onset = cursor + (slack[i] as number)
        const snr = uniform(random, snrDb.min, snrDb.max)
        const gain = Math.sqrt((noisePower * 10 ** (snr / 10)) / power(samples))
        for (let j = 0; j < samples.length; j++)
          mix[onset + j] = (mix[onset + j] as number) + gain * (samples[j] as number)
        digits.push({
          label: file.digit,
          start: onset / sampleRate,
          end: (onset + samples.length) / sampleRate,
          snrDb: snr,
          source: file.path,
        })
        cursor += samples.length + gap
      })
      let peak = 0
      for (const v of mix) peak = Math.max(peak, Math.abs(v))
      if (peak >= 1) throw new Error(`recording of ${speaker} would clip (peak ${peak.toFixed(3)})`)

      const name = `${split}-${speaker}-${String(recordings.filter((r) => r.speaker === speaker).length).padStart(2, '0')}.wav`
      const path = join(dir, 'audio', name)
      const labelPath = join(dir, 'labels', `${name}.txt`)
      // Two calls with the same split and folder would name their recordings alike: refuse to overwrite.
      if (existsSync(path)) throw new Error(`${path} exists: give each call on one folder its own split`)
      writeFileSync(path, encodeWav([mix], sampleRate, 'pcm16'))
      writeFileSync(labelPath, digits.map((d) => `${d.start.toFixed(6)}\t${d.end.toFixed(6)}\t${d.label}\n`).join(''))
      recordings.push({ path, labelPath, speaker, split, sampleRate, seconds: length / sampleRate, digits })
    }
  }
  return recordings
}

/**
 * Writes `dir/manifest.csv` for `earmark import --labels-from csv`: `path,label,group,split` with
 * every label empty (the recordings are unlabeled clips; their regions come from the label
 * tracks), the speaker as group. Returns its path.
 */
export function writeRecordingsManifest(dir: string, recordings: readonly LongRecording[]): string {
  const path = join(dir, 'manifest.csv')
  const rows = recordings.map((r) => [r.path, '', r.speaker, r.split].join(','))
  writeFileSync(path, ['path,label,group,split', ...rows].join('\n') + '\n')
  return path
}
