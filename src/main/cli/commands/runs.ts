import type { Command } from 'commander'
import { isDeepRunModel, type RunInfo } from '@shared/evaluation'
import { cliContext } from '../context'
import { printJson } from '../output'

/** `earmark runs PROJECT`: the project's training runs, newest first, with what can be resumed. */
export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description("list a project's training runs: model, engine, state, test scores")
    .argument('<project>', 'path of the project file')
    .option('--json', 'print the runs as one JSON array')
    .action(async (project: string, opts: { json?: boolean }) => {
      const { service, call } = cliContext(project)
      try {
        const runs = await call('runs:list', {})
        if (opts.json) printJson(runs)
        else console.log(runs.length === 0 ? 'No runs yet.' : runs.map(formatRun).join('\n'))
      } finally {
        await service.close()
      }
    })
}

function formatRun(run: RunInfo): string {
  const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(2)}%`)
  const resumable =
    isDeepRunModel(run.model) && ['cancelled', 'failed', 'interrupted'].includes(run.state)
      ? ` (resume: earmark train PROJECT --resume ${run.id})`
      : ''
  const line = `#${run.id} ${run.model} on ${run.engine}: ${run.state}${resumable}, test accuracy ${pct(run.accuracy)}, macro-F1 ${run.macroF1?.toFixed(4) ?? '–'}, ${run.createdAt}`
  return run.error ? `${line}\n    ${run.error}` : line
}
