// The kept index search reads first: bit codes about the space's mean, the Hamming and asymmetric
// passes, and exact rescoring, checked against exact search on a stored space.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSpace, getSpace, insertWindows, type StoredWindow } from '../../../src/main/core/catalog/embeddings'
import { openCatalog } from '../../../src/main/core/catalog/open'
import {
  asymmetricScores,
  emptyBinaryIndex,
  hammingDistances,
  nearestRows,
  setRow,
} from '../../../src/main/core/embeddings/binary-index'
import { indexNearest } from '../../../src/main/core/embeddings/kept-index'
import { exactNearest } from '../../../src/main/core/embeddings/search'
import { normalizeInPlace } from '../../../src/main/core/embeddings/windows'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { tempDir } from '../../helpers/temp'

/** Unit vectors around `clusters` random centres (all positive, as embeddings after a ReLU are). */
function clustered(n: number, dims: number, centres: Float32Array[], random: () => number): Float32Array[] {
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(random() * centres.length)] as Float32Array
    const v = c.map((x) => x + 0.3 * random())
    normalizeInPlace(v)
    return v
  })
}

describe('the bit codes', () => {
  it('set a bit where a value is above the centre, and count differing bits', () => {
    const dims = 37 // not a whole number of words: the last word is partly used
    const centre = new Float32Array(dims).fill(0.5)
    const index = emptyBinaryIndex(centre, 3)
    const ones = new Float32Array(dims).fill(1)
    const zeros = new Float32Array(dims)
    const half = Float32Array.from({ length: dims }, (_, j) => (j % 2 === 0 ? 1 : 0))
    setRow(index, 0, 10, ones)
    setRow(index, 1, 11, zeros)
    setRow(index, 2, 12, half)
    expect(Array.from(hammingDistances(index, ones))).toEqual([0, dims, 18])
    expect(Array.from(hammingDistances(index, zeros))).toEqual([dims, 0, 19])
    expect(Array.from(index.ids)).toEqual([10, 11, 12])
  })

  it('sum the query less the centre over each row’s set bits', () => {
    const random = mulberry32(4)
    const dims = 45
    const centre = Float32Array.from({ length: dims }, () => random())
    const rows = Array.from({ length: 20 }, () => Float32Array.from({ length: dims }, () => random()))
    const index = emptyBinaryIndex(centre, rows.length)
    rows.forEach((v, i) => setRow(index, i, i, v))
    const query = Float32Array.from({ length: dims }, () => random() - 0.5)
    const chosen = Int32Array.from([3, 0, 19, 7])
    const scores = asymmetricScores(index, query, chosen)
    chosen.forEach((r, i) => {
      const v = rows[r] as Float32Array
      let expected = 0
      for (let j = 0; j < dims; j++) if ((v[j] as number) > (centre[j] as number)) expected += query[j]! - centre[j]!
      expect(scores[i]).toBeCloseTo(expected, 5)
    })
  })

  it('choose the rows of the smallest distances, ties at the cut in row order', () => {
    const distances = Uint16Array.from([5, 1, 3, 3, 0, 3, 9])
    expect(Array.from(nearestRows(distances, 9, 3))).toEqual([1, 2, 4])
    expect(Array.from(nearestRows(distances, 9, 4))).toEqual([1, 2, 3, 4])
    expect(Array.from(nearestRows(distances, 9, 100))).toEqual([0, 1, 2, 3, 4, 5, 6])
  })
})

describe('the kept index', () => {
  const store = (dims: number, vectors: Float32Array[], from = 0): StoredWindow[] =>
    vectors.map((vector, i) => ({ contentHash: `c${from + i}`, start: 0, end: 1, vector }))

  it('finds what exact search finds among all-positive vectors, and sees vectors stored after it was built', () => {
    const dir = tempDir()
    const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
    const { db } = catalog
    const random = mulberry32(8)
    const dims = 96
    const centres = Array.from({ length: 40 }, () => Float32Array.from({ length: dims }, () => random()))
    const vectors = clustered(20_000, dims, centres, random)
    const key = { baseHash: 'b', sampleRate: 16000, window: 1, hop: 0.5 }
    const created = db.transaction(() => {
      const s = createSpace(db, key, { kind: 'onnx', path: '/x.onnx' }, dims, new Date())
      insertWindows(db, s, store(dims, vectors))
      return s
    })()
    const x = new Float32Array(vectors.length * dims)
    vectors.forEach((v, i) => x.set(v, i * dims))
    const queries = clustered(20, dims, centres, random)
    let agree = 0
    for (const query of queries) {
      const near = indexNearest(db, getSpace(db, created.id), query, 10)
      const exact = exactNearest(x, dims, query, 10)
      // Ids are stored in order from 1: row r is id r + 1.
      const exactIds = new Set(exact.map((e) => e.row + 1))
      agree += near.filter((r) => exactIds.has(r.id)).length
      // Scores are exact cosine similarities, best first.
      for (const r of near) {
        const v = vectors[r.id - 1] as Float32Array
        expect(r.score).toBeCloseTo(
          v.reduce((s, value, j) => s + value * query[j]!, 0),
          5,
        )
      }
      expect(near.map((r) => r.score)).toEqual([...near.map((r) => r.score)].sort((a, b) => b - a))
    }
    // Signs about zero would give every vector the same code here; bits about the mean do not.
    expect(agree / (queries.length * 10)).toBeGreaterThanOrEqual(0.95)

    // A vector stored later (the project embedded more clips) is found: the index is rebuilt.
    const query = queries[0] as Float32Array
    db.transaction(() => insertWindows(db, created, store(dims, [query], vectors.length)))()
    const again = indexNearest(db, getSpace(db, created.id), query, 10)
    expect(again[0]?.id).toBe(vectors.length + 1)
    expect(again[0]?.score).toBeCloseTo(1, 5)
    catalog.close()
  })
})
