import type { Command } from 'commander'
import { cliContext } from '../context'
import { formatProject, printJson } from '../output'

/** `earmark info PROJECT`: what the project holds. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description("show a project's name, classes and clip counts")
    .argument('<project>', 'path of the project file')
    .option('--json', 'print the project as one JSON object (see README: "JSON output")')
    .action(async (project: string, opts: { json?: boolean }) => {
      const { service, call } = cliContext()
      try {
        const summary = await call('project:open', { path: project })
        if (opts.json) printJson(summary)
        else console.log(formatProject(summary))
      } finally {
        await service.close()
      }
    })
}
