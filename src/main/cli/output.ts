import type { ProjectSummary } from '@shared/domain'

/** Prints one JSON document on its own line: the stable, machine-readable output of `--json`. */
export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

/** A project summary for people. */
export function formatProject(p: ProjectSummary): string {
  const lines = [
    `${p.name}  (${p.path})`,
    `  clips: ${p.clipCount} (${p.labeledClipCount} labeled${p.missingClipCount ? `, ${p.missingClipCount} missing` : ''})`,
    `  classes: ${p.classes.length === 0 ? 'none yet' : ''}`,
    ...p.classes.map((c) => `    ${c.hotkey ?? ' '}  ${c.name}  (${c.clipCount} clips)`),
    `  schema: v${p.schemaVersion}, created ${p.createdAt}`,
  ]
  return lines.join('\n')
}
