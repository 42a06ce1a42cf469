/** Containers Earmark reads. `unknown` only appears in errors, never in the catalog. */
export type AudioContainer = 'wav' | 'flac' | 'mp3' | 'ogg'

/** What a file's header says about its audio, read without decoding the stream. */
export interface AudioInfo {
  container: AudioContainer
  /** Human-readable codec, e.g. `PCM 16-bit`, `float 32-bit`, `FLAC`, `MP3`, `Vorbis`, `Opus`. */
  codec: string
  sampleRate: number
  channels: number
  /** Frames per channel; for compressed streams an estimate from the header. */
  frames: number
  /** Seconds. */
  duration: number
  bitDepth?: number
}

/** Decoded audio: one Float32Array per channel in [-1, 1], scaled as soundfile/librosa scale it. */
export interface DecodedAudio {
  sampleRate: number
  channels: Float32Array[]
  info: AudioInfo
  /** Things the user should know but that do not stop the file from being used (e.g. truncation). */
  warnings: string[]
}
