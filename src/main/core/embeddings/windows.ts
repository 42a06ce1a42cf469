// Windows of a recording for embeddings: every sample covered, none mostly padding.

/**
 * Sample offsets of the windows of a recording of `length` samples: one window (zero-padded) when
 * it is no longer than a window, else 0, hop, 2·hop, … until a window reaches the end (the last
 * runs past it by less than a hop, and is zero-padded).
 */
export function windowStarts(length: number, windowSamples: number, hopSamples: number): number[] {
  if (length <= windowSamples) return [0]
  const count = 1 + Math.ceil((length - windowSamples) / hopSamples)
  return Array.from({ length: count }, (_, i) => i * hopSamples)
}

/** Seconds kept to the microsecond, so that a setting read back from the catalog keys the same space. */
export const roundSeconds = (s: number): number => Math.round(s * 1e6) / 1e6

/** Scales a vector to unit length in place (cosine similarity is then a dot product); false when it has no length or is not finite. */
export function normalizeInPlace(v: Float32Array): boolean {
  let sum = 0
  for (const x of v) sum += x * x
  if (!Number.isFinite(sum) || sum === 0) return false
  const scale = 1 / Math.sqrt(sum)
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * scale
  return true
}

/** Windows of samples one after another, each `per` long: the window's samples, cut or zero-padded. */
export function sampleWindows(
  samples: Float32Array,
  starts: readonly number[],
  windowSamples: number,
  per: number,
): Float32Array {
  const x = new Float32Array(starts.length * per)
  const keep = Math.min(per, windowSamples)
  starts.forEach((start, w) => x.set(samples.subarray(start, Math.min(samples.length, start + keep)), w * per))
  return x
}

/**
 * What a person said of a window [start, end]: [] when it lies mostly inside a window marked as
 * none of the classes, else the classes of labeled regions over it (a region counts when it covers
 * half of the shorter of the two, as windows for training on regions are labeled), else undefined.
 */
export function windowMark(
  start: number,
  end: number,
  regions: readonly { start: number; end: number; label: string }[],
  negatives: readonly { start: number; end: number }[],
): string[] | undefined {
  const covers = (s: { start: number; end: number }): boolean =>
    Math.min(end, s.end) - Math.max(start, s.start) >= 0.5 * Math.min(end - start, s.end - s.start)
  // A mark of none is said of one window: it counts for a window mostly inside it (not for the
  // windows a hop either side), and before the regions a window half overlaps.
  const inside = (n: { start: number; end: number }): boolean =>
    Math.min(end, n.end) - Math.max(start, n.start) > 0.5 * (end - start) + 1e-6
  if (negatives.some(inside)) return []
  const classes = [...new Set(regions.filter(covers).map((r) => r.label))].sort()
  return classes.length > 0 ? classes : undefined
}
