/**
 * A small most-recently-used cache for plans (FFT tables, windows, filterbanks) keyed by their
 * parameters: a feature job computes thousands of clips with one parameter set, and rebuilding a
 * mel filterbank per clip would cost more than the clip. Bounded, so a sweep over many parameter
 * sets cannot grow it without limit.
 */
export function memoize<A, R>(key: (args: A) => string, build: (args: A) => R, capacity = 8): (args: A) => R {
  const cache = new Map<string, R>()
  return (args: A): R => {
    const k = key(args)
    const hit = cache.get(k)
    if (hit !== undefined) {
      // Re-insert so Map order is least- to most-recently used.
      cache.delete(k)
      cache.set(k, hit)
      return hit
    }
    const value = build(args)
    cache.set(k, value)
    if (cache.size > capacity) cache.delete(cache.keys().next().value as string)
    return value
  }
}
