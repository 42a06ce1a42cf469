/**
 * A file that cannot be read as audio. `reason` is one line a person can act on ("truncated
 * header", "not audio: the file is text"); the import report and the CLI show it as is.
 */
export class AudioFileError extends Error {
  readonly reason: string

  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options)
    this.name = 'AudioFileError'
    this.reason = reason
  }
}

/** Sample rates outside this range are a corrupt header, not a recording. */
const MIN_SAMPLE_RATE = 1000
const MAX_SAMPLE_RATE = 768_000
/** More channels than this is a corrupt header (ambisonics tops out near 64). */
const MAX_CHANNELS = 256

export function checkFormat(sampleRate: number, channels: number): void {
  if (channels === 0) throw new AudioFileError('no channels: the header declares zero audio channels')
  if (!Number.isInteger(channels) || channels > MAX_CHANNELS) {
    throw new AudioFileError(`implausible channel count ${channels}: the header is corrupt`)
  }
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new AudioFileError(`implausible sample rate ${sampleRate} Hz: the header is corrupt`)
  }
}
