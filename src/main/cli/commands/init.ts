import type { Command } from 'commander'
import { cliContext } from '../context'
import { printJson } from '../output'

/** `earmark init PROJECT`: creates a new, empty project file. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a new, empty project (one .earmark file)')
    .argument('<project>', 'path of the project file to create, e.g. birds.earmark')
    .option('--name <name>', 'project name (default: the file name)')
    .option('--json', 'print the project as one JSON object')
    .action(async (project: string, opts: { name?: string; json?: boolean }) => {
      const { service, call } = cliContext()
      try {
        const summary = await call('project:create', {
          path: project,
          ...(opts.name === undefined ? {} : { name: opts.name }),
        })
        if (opts.json) printJson(summary)
        else console.log(`Created ${summary.name} at ${summary.path}\nNext: earmark serve ${summary.path}`)
      } finally {
        await service.close()
      }
    })
}
