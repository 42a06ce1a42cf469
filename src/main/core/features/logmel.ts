import { powerToDbInto } from './db'
import { frameMatrix, type FrameMatrix } from './frames'
import { melFilterbank, melFrame, type MelOptions } from './mel'
import { memoize } from './memo'
import { dctFrames, lifterWeights, planDct } from './mfcc'
import { planStft, type StftOptions } from './stft'

/** Everything that fixes a log-mel + MFCC computation: STFT, mel filterbank, dB floor and MFCC parameters. */
export interface LogmelMfccSettings {
  /** The STFT's parameters (librosa names; defaults librosa's). */
  stft: StftOptions
  /** The mel filterbank's parameters (its `nFft` must be the STFT's). */
  mel: MelOptions
  /** `top_db` of power_to_db (ref 1.0, amin 1e-10); null: no floor. */
  topDb: number | null
  /** `n_mfcc`; at most the number of mel bands. */
  nMfcc: number
  /** `lifter` of the MFCCs; 0: none. */
  lifter: number
}

/** A planned log-mel + MFCC computation for one parameter set; `compute` allocates only its results. */
export interface LogmelMfccPlan {
  /** Log-mel (dB, frames x n_mels) and MFCC (frames x n_mfcc) of a clip, frame-major. */
  compute(samples: ArrayLike<number>): { logmel: FrameMatrix; mfcc: FrameMatrix }
}

/**
 * The (cached) fused log-mel + MFCC pipeline: each frame goes window → FFT → power → sparse mel
 * filters without leaving float64 scratch buffers, then one pass of power_to_db (its floor needs
 * the clip's maximum) and the DCT. It computes exactly what `spectrogram` → `applyMelFilterbank` →
 * `powerToDb` → `mfcc` compute (the power is rounded to float32 as the stored spectrogram is), only
 * without the intermediate matrices.
 */
export const planLogmelMfcc: (settings: LogmelMfccSettings) => LogmelMfccPlan = memoize(
  (s: LogmelMfccSettings) => JSON.stringify(s),
  (settings: LogmelMfccSettings): LogmelMfccPlan => {
    const stft = planStft(settings.stft)
    const filterbank = melFilterbank({ ...settings.mel, nFft: stft.options.nFft })
    const nMels = filterbank.nMels
    const nOut = Math.min(settings.nMfcc, nMels)
    const dct = planDct({ nOut, nIn: nMels })
    const lifter = lifterWeights(nOut, settings.lifter)
    const power = new Float64Array(stft.nBins)
    return {
      compute(samples) {
        const { padded, nFrames } = stft.frames(samples)
        const logmel = frameMatrix(nFrames, nMels)
        for (let t = 0; t < nFrames; t++) {
          stft.powerFrame(padded, t, power)
          for (let k = 0; k < power.length; k++) power[k] = Math.fround(power[k] as number)
          melFrame(filterbank, power, logmel.data, t * nMels)
        }
        powerToDbInto(logmel.data, logmel.data, { ref: 1, amin: 1e-10, topDb: settings.topDb })
        const mfcc = frameMatrix(nFrames, nOut)
        dctFrames(logmel.data, mfcc.data, nFrames, dct, lifter)
        return { logmel, mfcc }
      },
    }
  },
)
