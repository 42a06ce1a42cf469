/**
 * Counted nouns for what the studio and the CLI print: "1 clip", "2 clips", "1 class",
 * "3 classes". English only; a noun whose plural is not regular passes it as `many`.
 */

/** The noun for `n` of it: `one` for exactly 1, else `many` (by default `one` + "s", or "es" after s, x, ch, sh). */
export function noun(n: number, one: string, many?: string): string {
  if (n === 1) return one
  return many ?? (/(s|x|ch|sh)$/.test(one) ? `${one}es` : `${one}s`)
}

/** `n` and its noun: `plural(1, 'clip')` is "1 clip", `plural(0, 'clip')` is "0 clips". */
export function plural(n: number, one: string, many?: string): string {
  return `${n} ${noun(n, one, many)}`
}
