import type { Command } from 'commander'
import { latestBackup, restoreBackup } from '../../core/catalog/backup'
import { EarmarkError } from '../../core/errors'
import { cliContext } from '../context'
import { printJson } from '../output'

/**
 * `earmark backup PROJECT [OUT]`: a consistent copy of a project, even while the studio writes to
 * it; `earmark restore PROJECT [BACKUP]` puts the latest (or a named) backup back in its place.
 */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('write a consistent backup of a project (default: into PROJECT.backups/ beside it)')
    .argument('<project>', 'project file')
    .argument('[out]', 'where to write the backup')
    .option('--json', 'print the result as one JSON object')
    .action(async (project: string, out: string | undefined, opts: { json?: boolean }) => {
      const { service, call } = cliContext(project)
      try {
        const backup = await call('project:backup', out === undefined ? {} : { out })
        if (opts.json) printJson(backup)
        else console.log(`Backed up to ${backup.path} (${backup.bytes} bytes)`)
      } finally {
        await service.close()
      }
    })

  program
    .command('restore')
    .description('replace a project with its latest backup (the old file is kept beside it, renamed)')
    .argument('<project>', 'project file')
    .argument('[backup]', 'the backup to restore (default: the newest in PROJECT.backups/)')
    .option('--json', 'print the result as one JSON object')
    .action((project: string, backup: string | undefined, opts: { json?: boolean }) => {
      const from = backup ?? latestBackup(project)?.path
      if (!from) throw new EarmarkError('not-found', `No backup of ${project} was found.`)
      const result = { restored: from, ...restoreBackup(project, from) }
      if (opts.json) printJson(result)
      else
        console.log(
          `Restored ${project} from ${from}` + (result.movedAside ? `; the old file is now ${result.movedAside}` : ''),
        )
    })
}
