import { Option, type Command } from 'commander'
import { labelFormats } from '@shared/contract'
import { plural } from '@shared/plural'
import { cliContext } from '../context'
import { printJson } from '../output'

/** `earmark labels export|import`: label interchange with Audacity, Raven, Label Studio and CSV. */
export function registerLabels(program: Command): void {
  const labels = program.command('labels').description('export or import labels (csv, audacity, raven, labelstudio)')
  const format = () => new Option('--format <format>', 'label format').choices(labelFormats).makeOptionMandatory()

  labels
    .command('export')
    .description('write every label to files in a folder')
    .argument('<project>', 'project file')
    .addOption(format())
    .requiredOption('--out <folder>', 'folder to write into')
    .option('--json', 'print the files written as JSON')
    .action(async (project: string, opts: { format: (typeof labelFormats)[number]; out: string; json?: boolean }) => {
      const { service, call } = cliContext(project)
      try {
        const result = await call('labels:export', { format: opts.format, out: opts.out })
        if (opts.json) printJson(result)
        else console.log(`Wrote ${plural(result.files.length, 'file')} to ${opts.out}`)
      } finally {
        await service.close()
      }
    })

  labels
    .command('import')
    .description('read label files into the project (clips matched by path or file name)')
    .argument('<project>', 'project file')
    .argument('<files...>', 'label files')
    .addOption(format())
    .option('--json', 'print the summary as JSON')
    .action(
      async (project: string, files: string[], opts: { format: (typeof labelFormats)[number]; json?: boolean }) => {
        const { service, call } = cliContext(project)
        try {
          const result = await call('labels:import', { format: opts.format, paths: files })
          if (opts.json) printJson(result)
          else {
            console.log(
              `Labelled ${plural(result.clipsLabelled, 'clip')}, added ${plural(result.regionsAdded, 'region')}` +
                (result.clipsSplit ? `, set the split, group or fold of ${plural(result.clipsSplit, 'clip')}` : ''),
            )
            if (result.unknownClips.length) console.log(`Not in the project: ${result.unknownClips.join(', ')}`)
          }
        } finally {
          await service.close()
        }
      },
    )
}
