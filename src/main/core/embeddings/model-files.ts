// What identifies a model: the hash of its files, not where they lie, so the same model copied
// elsewhere is the same base, and a retrained one is not.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { GRAPH_BASE_DIR } from '../models/deep/files'

/** A model folder's own files (model, weights, metadata, feature set, a transferred graph), sorted. */
export function modelFiles(dir: string): string[] {
  const own = readdirSync(dir)
    .filter((f) => /\.(json|bin)$/i.test(f) && statSync(join(dir, f)).isFile())
    .map((f) => join(dir, f))
  const graph = join(dir, GRAPH_BASE_DIR)
  const nested = existsSync(graph) ? modelFiles(graph) : []
  return [...own, ...nested].sort()
}

/** Hash of files under a root (their paths relative to it and their bytes), after a tag saying what is read from them. */
export function hashFiles(root: string, files: readonly string[], tag: string): string {
  const hash = createHash('sha256').update(tag)
  for (const file of files) {
    hash.update(`\0${relative(root, file)}\0`)
    hash.update(readFileSync(file))
  }
  return hash.digest('hex')
}
