import { open, type FileHandle } from 'node:fs/promises'
import { AudioFileError } from './errors'

/** Random-access bytes, from a file or from memory, so one parser serves paths and uploads. */
export interface ByteSource {
  readonly size: number
  /** Up to `length` bytes at `offset`; shorter only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>
  close(): Promise<void>
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length))),
    close: () => Promise.resolve(),
  }
}

export async function fileSource(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, 'r')
  try {
    const stats = await handle.stat()
    if (stats.isDirectory()) throw new AudioFileError('not a file: this is a folder')
    const { size } = stats
    return {
      size,
      async read(offset, length) {
        const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)))
        let filled = 0
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled)
          if (bytesRead === 0) break
          filled += bytesRead
        }
        return buffer.subarray(0, filled)
      },
      close: () => handle.close(),
    }
  } catch (error) {
    await handle.close()
    throw error
  }
}
