import { InvalidArgumentError, type Command } from 'commander'
import type { ImportSummary, LabelSource } from '@shared/domain'
import { plural } from '@shared/plural'
import { cliContext } from '../context'
import { printJson } from '../output'
import { showJobProgress, waitForJob } from '../progress'

/** `earmark import PROJECT SOURCE`: adds a folder or a CSV manifest of audio to a project. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import audio files (WAV, FLAC, MP3, Ogg Vorbis/Opus) from a folder or a CSV manifest')
    .argument('<project>', 'project file')
    .argument('<source>', 'folder of audio, or a CSV manifest (generic, ESC-50 or UrbanSound8K)')
    .option(
      '--labels-from <how>',
      'folder (parent folder name) | pattern:REGEX (named groups label, group, split, fold) | csv | none',
      parseLabelSource,
    )
    .option('--copy', 'copy the files into a folder beside the project instead of referencing them in place')
    .option('--json', 'print the summary as one JSON object on the last line')
    .action(
      async (project: string, source: string, opts: { labelsFrom?: LabelSource; copy?: boolean; json?: boolean }) => {
        const { service, call } = cliContext(project)
        try {
          const labelsFrom =
            opts.labelsFrom ?? (source.toLowerCase().endsWith('.csv') ? { kind: 'csv' } : { kind: 'folder' })
          await call('project:get', {})
          const job = await call('import:start', { source, labelsFrom, copy: opts.copy ?? false })
          const finished = await waitForJob(
            { service, call },
            job.id,
            showJobProgress(service, job.id, 'files'),
            'the import failed',
          )
          const { result } = await call('jobs:get', { id: job.id })
          const summary = result as ImportSummary
          if (opts.json) printJson(summary)
          else printSummary(summary, finished.state === 'cancelled')
          // Non-zero only when nothing could be imported: a re-import that finds only duplicates is fine.
          if (summary.added + summary.duplicates + summary.relocated + summary.updated === 0) process.exitCode = 1
        } finally {
          await service.close()
        }
      },
    )
}

function parseLabelSource(value: string): LabelSource {
  if (value === 'folder' || value === 'csv' || value === 'none') return { kind: value }
  if (value.startsWith('pattern:')) return { kind: 'pattern', pattern: value.slice('pattern:'.length) }
  throw new InvalidArgumentError('use folder, csv, none, or pattern:REGEX')
}

function printSummary(s: ImportSummary, cancelled: boolean): void {
  const lines = [
    `${cancelled ? 'Cancelled after adding' : 'Added'} ${plural(s.added, 'clip')} in ${s.seconds.toFixed(1)} s` +
      (s.duplicates ? `; ${s.duplicates} already in the project` : '') +
      (s.updated ? `; updated the label, group, split or fold of ${s.updated}` : '') +
      (s.relocated ? `; ${plural(s.relocated, 'moved file')} found again` : ''),
    `Classes: ${s.classes.length ? s.classes.join(', ') : 'none (unlabeled)'}`,
  ]
  if (s.failed.length) {
    lines.push(`Could not import ${plural(s.failed.length, 'file')}:`)
    for (const f of s.failed.slice(0, 50)) lines.push(`  ${f.path}: ${f.reason}`)
    if (s.failed.length > 50) lines.push(`  … and ${s.failed.length - 50} more (see --json)`)
  }
  if (s.warnings.length) {
    lines.push(`Imported ${plural(s.warnings.length, 'file')} with a warning:`)
    for (const f of s.warnings.slice(0, 50)) lines.push(`  ${f.path}: ${f.reason}`)
    if (s.warnings.length > 50) lines.push(`  … and ${s.warnings.length - 50} more (see --json)`)
  }
  console.log(lines.join('\n'))
}
