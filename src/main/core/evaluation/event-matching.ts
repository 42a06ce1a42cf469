/*
 * Which estimated events match which reference events, as sed_eval's event-based metrics decide it:
 * an estimate hits a reference when its onset is within the collar of the reference's onset and its
 * offset within max(collar, offsetShare × the reference's length) of the reference's offset (both
 * bounds inclusive). Each reference and each estimate is matched at most once, and the pairs are a
 * maximum matching (sed_eval's default 'optimal' matching), so the count of true positives does not
 * depend on the order events are listed in.
 */

/** An event's span, seconds. */
export interface Span {
  start: number
  end: number
}

/** How close an estimate must be to a reference to hit it. */
export interface HitRule {
  /** Seconds either side of the reference's onset (and the least tolerance of its offset). */
  collar: number
  /** The offset tolerance as a share of the reference's length, when larger than the collar. */
  offsetShare: number
}

/** Whether an estimate's onset and offset both hit a reference's. */
export function hits(reference: Span, estimate: Span, rule: HitRule): boolean {
  const offsetTolerance = Math.max(rule.collar, rule.offsetShare * (reference.end - reference.start))
  return (
    Math.abs(reference.start - estimate.start) <= rule.collar &&
    Math.abs(reference.end - estimate.end) <= offsetTolerance
  )
}

/**
 * For each reference, the indices of the estimates that hit it, in the estimates' order. The
 * estimates must be sorted by onset: only those whose onset is within the collar are looked at.
 */
export function hitLists(references: readonly Span[], estimates: readonly Span[], rule: HitRule): number[][] {
  return references.map((reference) => {
    const found: number[] = []
    for (let i = firstOnsetAtLeast(estimates, reference.start - rule.collar); i < estimates.length; i++) {
      const estimate = estimates[i] as Span
      if (estimate.start > reference.start + rule.collar) break
      if (hits(reference, estimate, rule)) found.push(i)
    }
    return found
  })
}

/** The first index whose onset is at least `t` (the spans sorted by onset). */
export function firstOnsetAtLeast(spans: readonly Span[], t: number): number {
  let lo = 0
  let hi = spans.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((spans[mid] as Span).start < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** A matching: for each reference the estimate it matched (or -1), and how many pairs there are. */
export interface Matching {
  estimateOf: Int32Array
  referenceOf: Int32Array
  pairs: number
}

/**
 * A maximum matching of references to estimates given which estimates hit each reference
 * (augmenting paths, references taken in order; each reference's candidates tried in order).
 */
export function maximumMatching(candidates: readonly (readonly number[])[], estimates: number): Matching {
  const estimateOf = new Int32Array(candidates.length).fill(-1)
  const referenceOf = new Int32Array(estimates).fill(-1)
  const seen = new Int32Array(estimates).fill(-1)
  let pairs = 0
  // Depth-first search for an augmenting path from reference j; `round` marks the estimates
  // visited in this search, so each is tried once per reference.
  const augment = (j: number, round: number): boolean => {
    for (const i of candidates[j] as readonly number[]) {
      if (seen[i] === round) continue
      seen[i] = round
      const holder = referenceOf[i] as number
      if (holder === -1 || augment(holder, round)) {
        referenceOf[i] = j
        estimateOf[j] = i
        return true
      }
    }
    return false
  }
  for (let j = 0; j < candidates.length; j++) if (augment(j, j)) pairs++
  return { estimateOf, referenceOf, pairs }
}
