import { powerToDbInto } from './db'
import { frameMatrix, type FrameMatrix } from './frames'
import { melFilterbank, melFrame, type MelOptions } from './mel'
import { memoize } from './memo'
import { logmelKernels } from './wasm-power'
import { dctFrames, lifterWeights, planDct } from './mfcc'
import { planStft, type StftOptions } from './stft'

/** Log-mel values (frames x mels) converted to dB in the WebAssembly kernel's memory at most: 4 MB. */
const MOST_WASM_VALUES = 1 << 20

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
    // The log-mel is built in the kernels' memory, converted and transformed there, then copied out.
    const kernels = logmelKernels()
    const power = new Float64Array(stft.nBins)
    // The power rounded to float32, as the stored spectrogram is: one native conversion (set).
    const power32 = new Float32Array(stft.nBins)
    return {
      compute(samples) {
        const { padded, nFrames } = stft.frames(samples)
        const logmel = frameMatrix(nFrames, nMels)
        const count = nFrames * nMels
        const inKernels = kernels !== null && count <= MOST_WASM_VALUES
        const work = inKernels ? kernels.reserve(count).subarray(0, count) : logmel.data
        for (let t = 0; t < nFrames; t++) {
          stft.powerFrame(padded, t, power)
          power32.set(power)
          melFrame(filterbank, power32, work, t * nMels)
        }
        const dbOptions = { ref: 1, amin: 1e-10, topDb: settings.topDb }
        powerToDbInto(work, work, dbOptions, kernels?.loop)
        const mfcc = frameMatrix(nFrames, nOut)
        if (inKernels) {
          logmel.data.set(work)
          // The DCT reads the log-mel where it is (this may grow the memory and empty `work`).
          kernels.dct(work, mfcc.data, nFrames, dct, lifter)
        } else dctFrames(logmel.data, mfcc.data, nFrames, dct, lifter)
        return { logmel, mfcc }
      },
    }
  },
)
