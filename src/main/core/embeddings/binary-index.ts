// The kept index a search reads first: one bit per value of every stored vector (is it above the
// space's centre?), held in memory, compared with the query's bits by Hamming distance; the few
// hundred nearest by bits are then scored exactly by cosine with their stored float vectors.
//
// Why this and not sqlite-vec's vec0 over the float vectors: vec0 (0.1) is a brute-force scan of
// every float32 vector, 58 ms for top-10 over 100,000 vectors of 512 values and over 100 ms at
// 1280 (Perch-sized). Its `bit[N]` column scans fast, but its top-k keeps candidates in a sorted
// array, so oversampling costs: k = 400 took 44 ms at 512 values, k = 100 already 10 ms. The
// codes here are 64 times smaller than the floats (16 MB for 100,000 × 1280), a Hamming scan of
// all of them in TypeScript takes 4 ms at 512 values and 9 ms at 1280, candidates are chosen by
// counting distances (no sort), and rescoring reads only the candidates' vectors. Bits are taken
// about the mean of the stored vectors, not about zero: embeddings after a ReLU are all positive,
// and their signs would say nothing.
import { EarmarkError } from '../errors'

/** The bit codes of a space's vectors, with each row's stored id. */
export interface BinaryIndex {
  dims: number
  /** 32-bit words a code takes. */
  words: number
  /** The point bits are taken about (the mean of the vectors sampled when the index was built). */
  centre: Float32Array
  /** Row-major codes, [count × words]. */
  codes: Int32Array
  ids: Int32Array
  count: number
}

/** The bits of one vector about a centre, written into `out` at `offset`. */
export function encodeInto(v: Float32Array, centre: Float32Array, out: Int32Array, offset: number): void {
  const words = Math.ceil(centre.length / 32)
  for (let w = 0; w < words; w++) {
    let word = 0
    const from = w * 32
    const to = Math.min(centre.length, from + 32)
    for (let j = from; j < to; j++) if ((v[j] as number) > (centre[j] as number)) word |= 1 << (j - from)
    out[offset + w] = word
  }
}

/** An index of `count` rows about `centre`, filled by `fill(row, vector)` calls in any order. */
export function emptyBinaryIndex(centre: Float32Array, count: number): BinaryIndex {
  const dims = centre.length
  const words = Math.ceil(dims / 32)
  return { dims, words, centre, codes: new Int32Array(count * words), ids: new Int32Array(count), count }
}

/** Writes one stored vector's code into row `row`. */
export function setRow(index: BinaryIndex, row: number, id: number, vector: Float32Array): void {
  if (vector.length !== index.dims) {
    throw new EarmarkError('internal', `a vector of ${vector.length} values for an index of ${index.dims}`)
  }
  index.ids[row] = id
  encodeInto(vector, index.centre, index.codes, row * index.words)
}

/** Hamming distance of every row's code to the query's. */
export function hammingDistances(index: BinaryIndex, query: Float32Array): Uint16Array {
  const { words, codes, count } = index
  const q = new Int32Array(words)
  encodeInto(query, index.centre, q, 0)
  const out = new Uint16Array(count)
  for (let i = 0, o = 0; i < count; i++) {
    let d = 0
    for (let w = 0; w < words; w++, o++) {
      // Population count of the differing bits (SWAR: pairs, nibbles, then bytes summed by a multiply).
      let x = (codes[o] as number) ^ (q[w] as number)
      x -= (x >>> 1) & 0x55555555
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
      x = (x + (x >>> 4)) & 0x0f0f0f0f
      d += Math.imul(x, 0x01010101) >>> 24
    }
    out[i] = d
  }
  return out
}

/**
 * For some rows, the query (less the centre) summed over the values whose bit is set: this ranks
 * rows as the query's dot product with their codes read as ±1 does, which keeps the query's own
 * values and so estimates cosine similarity much better than Hamming distance (the query's bits)
 * does; it costs a table look-up a byte, so it reorders the Hamming pass's candidates, not all rows.
 */
export function asymmetricScores(index: BinaryIndex, query: Float32Array, rows: Int32Array): Float32Array {
  const { dims, centre, words } = index
  const bytes = words * 4
  // lut[b·256 + v]: the sum for byte b of a code holding v (a byte's bits are values 8b..8b+7;
  // codes are read as bytes in the machine's little-endian order).
  const lut = new Float32Array(bytes * 256)
  for (let b = 0; b < bytes; b++) {
    const base = b << 8
    for (let v = 1; v < 256; v++) {
      const bit = 31 - Math.clz32(v & -v)
      const j = b * 8 + bit
      lut[base + v] =
        (lut[base + (v & (v - 1))] as number) + (j < dims ? (query[j] as number) - (centre[j] as number) : 0)
    }
  }
  const codes = new Uint8Array(index.codes.buffer, index.codes.byteOffset, index.codes.byteLength)
  const out = new Float32Array(rows.length)
  for (let r = 0; r < rows.length; r++) {
    const o = (rows[r] as number) * bytes
    let s = 0
    for (let b = 0; b < bytes; b++) s += lut[(b << 8) | (codes[o + b] as number)] as number
    out[r] = s
  }
  return out
}

/**
 * The rows of the `wanted` smallest distances (ties at the cut broken by row order), found by
 * counting how many rows have each distance: distances are whole numbers up to `dims`.
 */
export function nearestRows(distances: Uint16Array, dims: number, wanted: number): Int32Array {
  const n = distances.length
  const take = Math.min(n, wanted)
  const histogram = new Uint32Array(dims + 2)
  for (let i = 0; i < n; i++) {
    const d = distances[i] as number
    histogram[d] = (histogram[d] as number) + 1
  }
  let cut = 0
  let below = 0
  while (cut <= dims && below + (histogram[cut] as number) < take) below += histogram[cut++] as number
  // Every row nearer than `cut`, then rows at `cut` until `take` are found.
  const out = new Int32Array(take)
  let atCut = take - below
  let k = 0
  for (let i = 0; i < n && k < take; i++) {
    const d = distances[i] as number
    if (d < cut) out[k++] = i
    else if (d === cut && atCut > 0) {
      out[k++] = i
      atCut--
    }
  }
  return out
}

/**
 * How many candidates each pass keeps for a top-k query: the Hamming pass hands `reordered` rows
 * to the asymmetric scores, which hand `rescored` rows to exact cosine on their stored vectors.
 * Measured on 100,000 generated vectors in 100 tight clusters (bench/search.bench.ts): bits about
 * the mean tell clusters apart but hardly rank within one, so the rescored rows must cover about a
 * cluster (1,000 gives recall@10 1.0 for queries like the stored windows, 300 about 0.8); for
 * queries like nothing stored, the asymmetric pass over 10,000 rows lifts recall@10 from about 0.5
 * to 0.8. Reading 1,000 stored vectors takes a few milliseconds, 10,000 would not.
 */
export const candidateCounts = (k: number): { reordered: number; rescored: number } => ({
  reordered: Math.max(10_000, 100 * k),
  rescored: Math.max(1000, 10 * k),
})
