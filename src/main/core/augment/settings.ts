import { EarmarkError } from '../errors'
import type { TrainingParams } from '../models/deep/params'
import { applyGain } from './gain'
import { addNoise, type NoiseColor } from './noise'
import { pitchShift } from './pitch'
import { Random } from '../models/seeded-random'
import { reverberate, roomImpulseResponse } from './reverb'
import { changeSpeed } from './speed'

/** The waveform augmentation hyperparameters (the training parameters of the same names). */
export type WaveformAugmentation = Pick<
  TrainingParams,
  'augmentCopies' | 'pitchShift' | 'speed' | 'gain' | 'noiseSnr' | 'reverb' | 'vtlp'
>

/** The reverberation times rooms are drawn from, seconds: a small studio to a large hall. */
export const RT60_RANGE: readonly [number, number] = [0.1, 0.7]
/** How far above `noiseSnr` the signal-to-noise ratio may be drawn, dB. */
export const SNR_SPAN = 20

/** What one augmented copy of a clip does: drawn once per (run seed, clip, copy). */
export interface AugmentDraw {
  /** Semitones (0: none). */
  semitones: number
  /** Speed factor (1: none). */
  speed: number
  /** dB (0: none). */
  gainDb: number
  /** Added noise, or null. */
  noise: { snrDb: number; color: NoiseColor } | null
  /** Room reverberation time, seconds, or null. */
  rt60: number | null
  /** Mel-axis warp factor (1: none). */
  vtlpAlpha: number
}

/** Whether the settings make augmented copies at all. */
export function makesCopies(a: WaveformAugmentation): boolean {
  return a.augmentCopies > 0
}

/** Whether any waveform augmentation is set (a copy of a clip would differ from the clip). */
export function changesWaveforms(a: WaveformAugmentation): boolean {
  return a.pitchShift > 0 || a.speed > 0 || a.gain > 0 || a.noiseSnr !== null || a.reverb > 0 || a.vtlp > 0
}

/**
 * Refuses copies that would be identical to their clips (copies asked, nothing to vary), so a run
 * says what it does. Augmentations without copies are simply inactive: turning copies off is how
 * a run goes without them, whatever the other settings.
 */
export function checkWaveformAugmentation(a: WaveformAugmentation): void {
  if (a.augmentCopies > 0 && !changesWaveforms(a)) {
    throw new EarmarkError(
      'invalid-input',
      'augmentCopies makes augmented copies of each training clip, but no waveform augmentation is set: set pitchShift, speed, gain, noiseSnr, reverb or vtlp too',
    )
  }
}

/** Draws one copy's settings: each uniform in its ± range, reverberation with its probability. */
export function drawAugmentation(a: WaveformAugmentation, random: Random): AugmentDraw {
  // Every draw is taken whether used or not, so one setting's change leaves the others' values.
  const semitones = random.uniform(-a.pitchShift, a.pitchShift)
  const speed = 1 + random.uniform(-a.speed, a.speed)
  const gainDb = random.uniform(-a.gain, a.gain)
  const snr = random.uniform(0, SNR_SPAN)
  const pink = random.next() < 0.5
  const reverberant = random.next() < a.reverb
  const rt60 = random.uniform(RT60_RANGE[0], RT60_RANGE[1])
  const vtlpAlpha = 1 + random.uniform(-a.vtlp, a.vtlp)
  return {
    semitones,
    speed,
    gainDb,
    noise: a.noiseSnr === null ? null : { snrDb: a.noiseSnr + snr, color: pink ? 'pink' : 'white' },
    rt60: reverberant ? rt60 : null,
    vtlpAlpha,
  }
}

/**
 * One copy's samples (mono or a channel, at `sampleRate`): speed, pitch, gain, the room, then the
 * noise last, so the signal-to-noise ratio is the one drawn. VTLP is not here: it warps the mel
 * filters when the copy's features are computed.
 */
export async function augmentWaveform(
  samples: Float32Array,
  sampleRate: number,
  draw: AugmentDraw,
  random: Random,
): Promise<Float32Array> {
  let out = samples
  if (draw.speed !== 1) out = await changeSpeed(out, sampleRate, draw.speed)
  if (draw.semitones !== 0) out = await pitchShift(out, sampleRate, draw.semitones)
  if (draw.gainDb !== 0) out = applyGain(out, draw.gainDb)
  if (draw.rt60 !== null) out = reverberate(out, roomImpulseResponse(sampleRate, draw.rt60, random))
  if (draw.noise) out = addNoise(out, draw.noise.snrDb, draw.noise.color, random)
  return out === samples ? samples.slice() : out
}

/** A one-line account of a copy's settings, for logs. */
export function describeDraw(d: AugmentDraw): string {
  const parts: string[] = []
  if (d.semitones !== 0) parts.push(`pitch ${d.semitones.toFixed(2)} st`)
  if (d.speed !== 1) parts.push(`speed ×${d.speed.toFixed(3)}`)
  if (d.gainDb !== 0) parts.push(`gain ${d.gainDb.toFixed(1)} dB`)
  if (d.noise) parts.push(`${d.noise.color} noise at ${d.noise.snrDb.toFixed(1)} dB SNR`)
  if (d.rt60 !== null) parts.push(`room RT60 ${d.rt60.toFixed(2)} s`)
  if (d.vtlpAlpha !== 1) parts.push(`VTLP α ${d.vtlpAlpha.toFixed(3)}`)
  return parts.join(', ') || 'unchanged'
}
