// Training checkpoints: after every epoch, everything a run needs to carry on exactly as
// if it had not stopped (weights, optimiser state, best weights so far, schedule and early-stopping
// state, history) in one file, written to a temporary name, flushed and renamed, and checked
// against a SHA-256 checksum when read back.
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'

/** The checkpoint file of a checkpoint folder. */
export const CHECKPOINT_FILE = 'checkpoint.bin'
const MAGIC = 'EMCKPT01'
const HASH_BYTES = 32

/** A named array of numbers (a weight or an optimiser slot). */
export interface StoredTensor {
  name: string
  shape: number[]
  dtype: 'float32' | 'int32'
  values: Float32Array
}

/** Everything a checkpoint holds. `T` is the trainer's own JSON state. */
export interface Checkpoint<T> {
  /** The trainer's state (epoch, history, schedule …), JSON. */
  state: T
  /** Groups of tensors: model weights, optimiser weights, best weights. */
  tensors: Record<string, StoredTensor[]>
}

interface Header<T> {
  state: T
  groups: Record<string, { name: string; shape: number[]; dtype: 'float32' | 'int32'; length: number }[]>
}

/** A checkpoint file that is damaged (its checksum or layout is wrong). */
export class CorruptCheckpointError extends Error {
  override readonly name = 'CorruptCheckpointError'
}

/** Writes the checkpoint into `dir` atomically: a temporary file, fsync, rename. */
export async function writeCheckpoint<T>(dir: string, checkpoint: Checkpoint<T>): Promise<string> {
  await mkdir(dir, { recursive: true })
  const header: Header<T> = { state: checkpoint.state, groups: {} }
  const arrays: Float32Array[] = []
  for (const [group, tensors] of Object.entries(checkpoint.tensors)) {
    header.groups[group] = tensors.map((t) => ({
      name: t.name,
      shape: t.shape,
      dtype: t.dtype,
      length: t.values.length,
    }))
    arrays.push(...tensors.map((t) => t.values))
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32LE(json.length)
  const body = Buffer.concat([length, json, ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))])
  const hash = createHash('sha256').update(body).digest()
  const path = join(dir, CHECKPOINT_FILE)
  const temp = `${path}.${process.pid}.tmp`
  const file = await open(temp, 'w')
  try {
    await file.writeFile(Buffer.concat([Buffer.from(MAGIC, 'ascii'), hash, body]))
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
  return path
}

/** Reads the checkpoint in `dir`; null when there is none. A damaged file is a CorruptCheckpointError. */
export async function readCheckpoint<T>(dir: string): Promise<Checkpoint<T> | null> {
  let bytes: Buffer
  try {
    bytes = await readFile(join(dir, CHECKPOINT_FILE))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const where = join(dir, CHECKPOINT_FILE)
  if (bytes.length < MAGIC.length + HASH_BYTES + 4 || bytes.toString('ascii', 0, MAGIC.length) !== MAGIC) {
    throw new CorruptCheckpointError(`${where} is not an Earmark checkpoint`)
  }
  const stored = bytes.subarray(MAGIC.length, MAGIC.length + HASH_BYTES)
  const body = bytes.subarray(MAGIC.length + HASH_BYTES)
  if (!createHash('sha256').update(body).digest().equals(stored)) {
    throw new CorruptCheckpointError(`${where} is damaged (its checksum does not match); delete it to start over`)
  }
  const jsonLength = body.readUInt32LE(0)
  const header = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as Header<T>
  // Copy the payload to an aligned buffer so the float32 views need no alignment care.
  const payload = new Uint8Array(body.subarray(4 + jsonLength))
  const floats = new Float32Array(payload.buffer, 0, payload.byteLength / 4)
  let offset = 0
  const tensors: Record<string, StoredTensor[]> = {}
  for (const [group, entries] of Object.entries(header.groups)) {
    tensors[group] = entries.map((e) => {
      const values = floats.slice(offset, offset + e.length)
      offset += e.length
      return { name: e.name, shape: e.shape, dtype: e.dtype, values }
    })
  }
  if (offset !== floats.length) throw new CorruptCheckpointError(`${where} has a wrong layout`)
  return { state: header.state, tensors }
}
