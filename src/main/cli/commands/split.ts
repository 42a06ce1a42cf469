import { Option, type Command } from 'commander'
import { plural } from '@shared/plural'
import { ApiCallError } from '@shared/result'
import type { SplitEditResult } from '@shared/splits'
import { cliContext } from '../context'
import { printJson } from '../output'

interface SplitOptions {
  by: 'group' | 'random' | 'csv'
  test?: string
  val?: string
  groups?: string
  valGroups?: string
  seed?: string
  json?: boolean
}

const list = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)

/** A number option as given; the API refuses what is not a number in range, with its reason. */
const number = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value))

/**
 * `earmark split`: sets clips' splits in the catalog, where every run's split policy looks first.
 * By group (named groups held out, or about a share of the clips in whole groups), at random
 * (stratified by class), or from a CSV file of path → split, group, fold.
 */
export function registerSplit(program: Command): void {
  program
    .command('split')
    .description("set clips' train/val/test split: hold out groups, draw at random, or read a CSV")
    .argument('<project>', 'project file')
    .argument('[file]', 'with --by csv: a CSV of path (or clip id) with split, group and/or fold columns')
    .addOption(
      new Option('--by <how>', 'group: hold out whole groups; random: stratified draw; csv: read FILE')
        .choices(['group', 'random', 'csv'])
        .makeOptionMandatory(),
    )
    .option('--test <fraction>', 'share of the clips to test (default 0.2; by group: in whole groups)')
    .option('--val <fraction>', 'share of the clips to val (default none)')
    .option('--groups <names>', 'by group: the groups to hold out to test, comma-separated')
    .option('--val-groups <names>', 'by group: the groups to hold out to val, comma-separated')
    .option('--seed <n>', 'seed of the draw (default 0)')
    .option('--json', 'print the result as JSON')
    .action(async (project: string, file: string | undefined, opts: SplitOptions) => {
      if ((opts.by === 'csv') !== (file !== undefined)) {
        // A misused command: exits 2, as commander's own usage errors do.
        throw new ApiCallError({
          code: 'invalid-input',
          message:
            opts.by === 'csv'
              ? 'give the CSV file: earmark split PROJECT --by csv FILE'
              : `--by ${opts.by} takes no file`,
        })
      }
      const { service, call } = cliContext(project)
      try {
        const seed = number(opts.seed) ?? 0
        const named = list(opts.groups)
        const valNamed = list(opts.valGroups)
        const request =
          opts.by === 'csv'
            ? { by: 'csv' as const, path: file as string }
            : opts.by === 'random'
              ? {
                  by: 'random' as const,
                  testFraction: number(opts.test) ?? 0.2,
                  ...(opts.val === undefined ? {} : { valFraction: number(opts.val) }),
                  seed,
                }
              : named !== undefined || valNamed !== undefined
                ? {
                    by: 'group' as const,
                    ...(named === undefined ? {} : { testGroups: named }),
                    ...(valNamed === undefined ? {} : { valGroups: valNamed }),
                    seed,
                  }
                : {
                    by: 'group' as const,
                    testFraction: number(opts.test) ?? 0.2,
                    ...(opts.val === undefined ? {} : { valFraction: number(opts.val) }),
                    seed,
                  }
        const result = await call('splits:set', request)
        if (opts.json) printJson(result)
        else console.log(describe(result))
      } finally {
        await service.close()
      }
    })
}

function describe(r: SplitEditResult): string {
  const lines = [
    `${r.description}: ${plural(r.changed, 'clip')} changed`,
    `  train ${r.counts.train}, val ${r.counts.val}, test ${r.counts.test}${r.counts.none ? `, no split ${r.counts.none}` : ''}`,
  ]
  if (r.testGroups.length) lines.push(`  groups in test: ${r.testGroups.join(', ')}`)
  if (r.valGroups.length) lines.push(`  groups in val: ${r.valGroups.join(', ')}`)
  if (r.unknownClips.length) {
    lines.push(
      `  not in the project: ${r.unknownClips.slice(0, 10).join(', ')}${r.unknownClips.length > 10 ? ` and ${r.unknownClips.length - 10} more` : ''}`,
    )
  }
  return lines.join('\n')
}
