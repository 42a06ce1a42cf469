// The one rule for names people give things (classes above all): whichever path creates a class
// (the studio, an import manifest, a label file, an interchange format), the same name is
// accepted, normalised and compared the same way.

/** The longest name, in UTF-16 code units as the rest of the contract counts. */
export const MAX_NAME_LENGTH = 200

// Characters that are never meant in a name and that change how text around them shows or
// behaves: C0/C1 controls (a terminal escape that clears the screen), line and paragraph
// separators, and invisible format characters — zero-width spaces and joiners, bidi embeddings,
// overrides and isolates (text that reads differently from what it is). The zero-width joiner
// stays allowed: it is part of emoji sequences.
const FORBIDDEN = /[\p{Cc}\u2028\u2029]|(?!\u200d)\p{Cf}/u
// A UTF-16 surrogate not paired with its other half: not a character, stored as invalid UTF-8.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** A name as it is stored: Unicode NFC (so a composed and a decomposed é are one name), trimmed. */
export function normalizeName(raw: string): string {
  // NFC of a lone surrogate leaves it in place, so the check below still sees it.
  return raw.normalize('NFC').trim()
}

/** Why a (normalised) name is refused, or undefined when it is fine. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty'
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`
  if (LONE_SURROGATE.test(name)) return 'must be valid Unicode (it has a lone surrogate)'
  if (FORBIDDEN.test(name)) return 'must not contain control, invisible or text-direction characters'
  return undefined
}

/**
 * What two names are compared by: case-insensitive after normalisation, for every script (SQLite's
 * NOCASE folds only A-Z, so É and é would otherwise be two classes).
 */
export function nameKey(name: string): string {
  return normalizeName(name).toLowerCase()
}

// Everything `FORBIDDEN` refuses, plus lone surrogates, but keeping line breaks and tabs, which
// text meant for a terminal uses itself.
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udfff]/gu

/**
 * Text from data (names, paths, notes) made safe to print to a terminal: control and
 * text-direction characters appear as `\u{1b}` rather than act (clearing the screen, moving the
 * cursor, reversing a line).
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`)
}
