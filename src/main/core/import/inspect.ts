import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import {
  AudioFileError,
  checkAudio,
  contentHash,
  probeAudioWithWarnings,
  readSmallFile,
  type AudioCheck,
} from '../audio'
import { describeFsError } from './scan'

/** What import learns of one file before it enters the catalog. */
export interface Inspection {
  size: number
  hash: string
  codec: string
  sampleRate: number
  channels: number
  duration: number
  warnings: string[]
}

/** An inspection's audio facts, from a file's checked stream (or a large WAV's header). */
function facts({ info, warnings }: AudioCheck): Omit<Inspection, 'size' | 'hash'> {
  if (info.frames === 0) throw new AudioFileError('no audio: the stream decodes to nothing')
  return {
    codec: info.codec,
    sampleRate: info.sampleRate,
    channels: info.channels,
    duration: info.frames / info.sampleRate,
    warnings,
  }
}

/**
 * Above this size an uncompressed WAV is judged by its header alone: an hour-long recording
 * imports in milliseconds, and PCM cannot be corrupt beyond truncation, which the header shows.
 */
const WAV_HEADER_ONLY_BYTES = 64 * 1024 * 1024

/**
 * Reads a file's metadata and content hash, and decodes it once to prove the stream: a broken
 * frame stream hides behind a valid header, and a truncated file is found now, not in training.
 * The decoded samples are not kept (checkAudio), so a long file costs its blocks, not its length.
 * Runs in a worker thread: a decoder that crashes or hangs costs this one file.
 */
export async function inspectFile(path: string): Promise<Inspection> {
  const file = await stat(path).catch((error: unknown) => {
    throw new Error(describeFsError(error))
  })
  if (!file.isFile()) throw new Error('not a regular file')
  try {
    // A short clip (most datasets) is read once, then hashed and checked from memory.
    const bytes = readSmallFile(path)
    if (bytes) {
      const checked = await checkAudio(path, bytes)
      return {
        size: file.size,
        hash: createHash('sha256').update(bytes).digest('hex'),
        ...facts(checked),
      }
    }
    const [probed, hash] = await Promise.all([probeAudioWithWarnings(path), contentHash(path)])
    if (probed.info.container === 'wav' && file.size > WAV_HEADER_ONLY_BYTES) {
      return { size: file.size, hash, ...facts(probed) }
    }
    return { size: file.size, hash, ...facts(await checkAudio(path)) }
  } catch (error) {
    if (error instanceof AudioFileError) throw new Error(error.reason, { cause: error })
    if ((error as NodeJS.ErrnoException).code) throw new Error(describeFsError(error), { cause: error })
    throw error
  }
}
