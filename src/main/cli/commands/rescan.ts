import type { Command } from 'commander'
import { plural } from '@shared/plural'
import { cliContext } from '../context'
import { printJson } from '../output'

/** `earmark rescan PROJECT`: flags clips whose files went missing (nothing is deleted). */
export function registerRescan(program: Command): void {
  program
    .command('rescan')
    .description('check that every clip file is still there; flag missing ones (a later import finds moved files)')
    .argument('<project>', 'project file')
    .option('--json', 'print the result as one JSON object')
    .action(async (project: string, opts: { json?: boolean }) => {
      const { service, call } = cliContext(project)
      try {
        const result = await call('clips:rescan', {})
        if (opts.json) printJson(result)
        else
          console.log(
            `Checked ${plural(result.checked, 'clip')}: ${result.missing} missing` +
              (result.restored ? `, ${result.restored} back where they were` : ''),
          )
      } finally {
        await service.close()
      }
    })
}
