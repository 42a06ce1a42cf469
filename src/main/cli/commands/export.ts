import type { Command } from 'commander'
import { plural } from '@shared/plural'
import { cliContext } from '../context'
import { printJson } from '../output'

/** `earmark export PROJECT --run ID --out DIR`: a run's model, class names and feature configuration. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      "write a run's model (model.json), class names (labels.json), feature configuration (features.json) and summary (run.json) into a folder",
    )
    .argument('<project>', 'project file')
    .requiredOption('--run <id>', 'the run to export', (v) => Number(v))
    .requiredOption('--out <dir>', 'folder to write into (created if needed)')
    .option('--json', 'print {"files": [...]} as one JSON object')
    .action(async (project: string, opts: { run: number; out: string; json?: boolean }) => {
      const { service, call } = cliContext(project)
      try {
        const { files } = await call('runs:export', { id: opts.run, out: opts.out })
        if (opts.json) printJson({ files })
        else console.log(`Wrote ${plural(files.length, 'file')}:\n${files.map((f) => `  ${f}`).join('\n')}`)
      } finally {
        await service.close()
      }
    })
}
