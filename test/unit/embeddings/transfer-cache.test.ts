// A transfer run's kept embeddings: filed under exactly what made them (base files, feature set,
// input shape, standardisation), one per clip content, out of search's way.
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { listSpaces } from '../../../src/main/core/catalog/embeddings'
import { openCatalog } from '../../../src/main/core/catalog/open'
import {
  keepTransferEmbeddings,
  readTransferEmbeddings,
  type TransferInputs,
} from '../../../src/main/core/embeddings/transfer-cache'
import { legacyDeepRecipe } from '../../../src/main/core/feature-sets/recipe'
import { deepFeatureSchema } from '../../../src/main/core/training/features'
import { tempDir } from '../../helpers/temp'

const clip = { duration: 1, sampleRate: 8000, channels: 1, size: 100, codec: 'pcm' }

function setUp() {
  const dir = tempDir()
  const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
  const baseModel = join(dir, 'base')
  mkdirSync(baseModel)
  writeFileSync(join(baseModel, 'model.json'), '{"format":"layers-model"}')
  // Three clips, the last a copy of the first (same content).
  const ids = ['a', 'b', 'a'].map((hash, i) =>
    insertClip(catalog.db, { ...clip, path: join(dir, `${i}.wav`), contentHash: hash }),
  )
  const inputs: TransferInputs = {
    baseModel,
    embeddingLayer: null,
    recipe: legacyDeepRecipe(
      deepFeatureSchema.parse({ kind: 'logmel', sampleRate: 8000, seconds: 1, nMels: 64, hop: 128, nFft: 256 }),
    ),
    normalize: 'none',
    shape: [63, 64],
    standardizer: { mean: [0.5], std: [2] },
  }
  return { dir, catalog, baseModel, ids, inputs }
}

describe('a transfer run’s kept embeddings', () => {
  it('are read back by content for the same inputs, once per content, and never listed for search', () => {
    const { catalog, ids, inputs } = setUp()
    const { db } = catalog
    expect(readTransferEmbeddings(db, inputs, { clipIds: ids })).toBeUndefined()
    const embedded = {
      dims: 2,
      rows: [0, 1, 2],
      vectors: Float32Array.from([1, 2, 3, 4, 1, 2]),
      standardizer: inputs.standardizer,
    }
    expect(
      keepTransferEmbeddings(
        db,
        inputs,
        { clipIds: ids },
        embedded,
        { kind: 'transfer', path: inputs.baseModel },
        new Date(),
      ),
    ).toBe(2)
    const stored = readTransferEmbeddings(db, inputs, { clipIds: [ids[2] as number, ids[1] as number] })
    expect(stored && Array.from(stored.present)).toEqual([1, 1])
    expect(stored && Array.from(stored.vectors)).toEqual([1, 2, 3, 4])
    expect(listSpaces(db)).toEqual([])
    catalog.close()
  })

  it('are not read by a run of another standardisation, feature set or base, nor kept under a key they were not made by', () => {
    const { catalog, ids, inputs, baseModel } = setUp()
    const { db } = catalog
    const embedded = { dims: 1, rows: [0, 1], vectors: Float32Array.from([1, 2]), standardizer: inputs.standardizer }
    const base = { kind: 'transfer', path: baseModel }
    keepTransferEmbeddings(db, inputs, { clipIds: ids }, embedded, base, new Date())
    expect(readTransferEmbeddings(db, inputs, { clipIds: ids })).toBeDefined()
    expect(
      readTransferEmbeddings(db, { ...inputs, standardizer: { mean: [0.5], std: [3] } }, { clipIds: ids }),
    ).toBeUndefined()
    expect(readTransferEmbeddings(db, { ...inputs, shape: [32, 64] }, { clipIds: ids })).toBeUndefined()
    expect(readTransferEmbeddings(db, { ...inputs, normalize: 'cmvn' }, { clipIds: ids })).toBeUndefined()
    expect(readTransferEmbeddings(db, { ...inputs, embeddingLayer: 'dense_1' }, { clipIds: ids })).toBeUndefined()
    // A retrained base (other weights) is another base.
    writeFileSync(join(baseModel, 'weights.bin'), Buffer.from([1, 2, 3, 4]))
    expect(readTransferEmbeddings(db, inputs, { clipIds: ids })).toBeUndefined()
    // Embeddings made after another standardisation than the inputs say are not filed under them.
    const other = { ...embedded, standardizer: { mean: [0], std: [1] } }
    expect(keepTransferEmbeddings(db, inputs, { clipIds: ids }, other, base, new Date())).toBe(0)
    catalog.close()
  })
})
