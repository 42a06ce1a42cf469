import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { beat } from '../heartbeat'

/** SHA-256 of a file's bytes, streamed: the catalog's identity of a recording, whatever its name. */
export async function contentHash(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer)
    beat()
  }
  return hash.digest('hex')
}
