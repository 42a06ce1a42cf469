import { format } from 'node:util'
import type { ProjectSummary } from '@shared/domain'
import { printable } from '@shared/names'
import { plural } from '@shared/plural'

// What JSON.stringify leaves raw but a terminal acts on or shows misleadingly: DEL and C1
// controls (0x9b starts an escape sequence on some terminals), separators and bidi controls.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g

/** Prints one JSON document on its own line: the stable, machine-readable output of `--json`. */
export const printJson = (value: unknown): void => {
  const json = JSON.stringify(value).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  process.stdout.write(`${json}\n`)
}

/**
 * Makes everything the commands print through the console safe for a terminal: names, paths and
 * messages come from data (a label file, a manifest, an old catalog) and may carry escapes that
 * clear the screen or recolour it. Returns the function that puts the console back.
 */
export function guardConsole(): () => void {
  const methods = ['log', 'info', 'warn', 'error'] as const
  const original = methods.map((m) => console[m])
  methods.forEach((m, i) => {
    const write = original[i] as (...args: unknown[]) => void
    console[m] = (...args: unknown[]) => write(printable(format(...args)))
  })
  return () => methods.forEach((m, i) => (console[m] = original[i] as (...args: unknown[]) => void))
}

/** A project summary for people. */
export function formatProject(p: ProjectSummary): string {
  const lines = [
    `${p.name}  (${p.path})`,
    `  clips: ${p.clipCount} (${p.labeledClipCount} labeled${p.missingClipCount ? `, ${p.missingClipCount} missing` : ''})`,
    `  classes: ${p.classes.length === 0 ? 'none yet' : ''}`,
    ...p.classes.map((c) => `    ${c.hotkey ?? ' '}  ${c.name}  (${plural(c.clipCount, 'clip')})`),
    `  schema: v${p.schemaVersion}, created ${p.createdAt}`,
  ]
  return lines.join('\n')
}
