export type { AudioContainer, AudioInfo, DecodedAudio } from './types'
export { AudioFileError } from './errors'
export {
  decodeAudio,
  decodeAudioBytes,
  decodeAudioFileBytes,
  probeAudio,
  probeAudioWithWarnings,
  readSmallFile,
} from './decode'
export { sniffContainer } from './sniff'
export { toMono } from './mix'
export { resample, type ResampleQuality } from './resample'
export { loadAudio, type LoadOptions } from './load'
export { contentHash } from './hash'
