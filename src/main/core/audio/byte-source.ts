import { readSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { AudioFileError } from './errors'

/** Random-access bytes, from a file or from memory, so one parser serves paths and uploads. */
export interface ByteSource {
  readonly size: number
  /** Up to `length` bytes at `offset`; shorter only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>
  /**
   * Fills `target` with the bytes at `offset`, synchronously, and returns how many it holds (fewer
   * only at the end). For bulk reads on a worker thread: no thread-pool round trip and no new
   * buffer per block, so a long file's bytes pass through one small, cache-warm buffer.
   */
  readInto(target: Uint8Array, offset: number): number
  close(): Promise<void>
}

const HEAD_BYTES = 64 * 1024

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length))),
    readInto(target, offset) {
      const part = bytes.subarray(offset, Math.min(bytes.length, offset + target.length))
      target.set(part)
      return part.length
    },
    close: () => Promise.resolve(),
  }
}

export async function fileSource(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, 'r')
  try {
    const stats = await handle.stat()
    if (stats.isDirectory()) throw new AudioFileError('not a file: this is a folder')
    const { size } = stats
    // Headers are parsed with many tiny reads; one 64 KiB read up front answers nearly all of them.
    let head: Buffer | undefined
    return {
      size,
      async read(offset, length) {
        if (!head) {
          head = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES))
          head = head.subarray(0, (await handle.read(head, 0, head.length, 0)).bytesRead)
        }
        if (offset + length <= head.length) return head.subarray(offset, offset + length)
        const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)))
        let filled = 0
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled)
          if (bytesRead === 0) break
          filled += bytesRead
        }
        return buffer.subarray(0, filled)
      },
      readInto(target, offset) {
        let filled = 0
        while (filled < target.length && offset + filled < size) {
          const bytesRead = readSync(handle.fd, target, filled, target.length - filled, offset + filled)
          if (bytesRead === 0) break
          filled += bytesRead
        }
        return filled
      },
      close: () => handle.close(),
    }
  } catch (error) {
    await handle.close()
    throw error
  }
}
