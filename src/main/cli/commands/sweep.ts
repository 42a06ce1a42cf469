import { readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import type { SweepSpecInput } from '@shared/sweep-spec'
import type { SweepInfo } from '@shared/sweeps'
import { cliContext } from '../context'
import { printJson } from '../output'
import { showJobProgress, waitForJob } from '../progress'

interface SweepOptions {
  spec?: string
  resume?: number
  workers?: number
  json?: boolean
}

const whole = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number, 1 or more')
  return n
}

/** `earmark sweep PROJECT --spec sweep.json`: a cross-validated hyperparameter search. */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description(
      'search hyperparameters with cross-validation (grid, random, tpe or halving) and print the leaderboard',
    )
    .argument('<project>', 'project file')
    .option('--spec <file>', 'the sweep spec, a JSON file (see the README)')
    .option('--resume <id>', 'resume a sweep that was cancelled or whose process died', whole)
    .option('--workers <n>', 'trials run side by side (default: one per core)', whole)
    .option('--json', 'print the sweep as one JSON object on the last line')
    .action(async (project: string, opts: SweepOptions) => {
      if ((opts.spec === undefined) === (opts.resume === undefined)) {
        throw new InvalidArgumentError('give either --spec FILE or --resume ID')
      }
      const { service, call } = cliContext(project)
      try {
        const lanes = opts.workers === undefined ? {} : { workers: opts.workers }
        const { sweepId, job } =
          opts.spec !== undefined
            ? await call('sweeps:start', { spec: readSpec(opts.spec), ...lanes })
            : await call('sweeps:resume', { id: opts.resume as number, ...lanes })
        console.error(`sweep ${sweepId}`)
        const finished = await waitForJob(
          { service, call },
          job.id,
          showJobProgress(service, job.id, 'trials'),
          'the sweep failed',
        )
        const sweep = await call('sweeps:get', { id: sweepId })
        if (opts.json) printJson(jsonSummary(sweep))
        else printLeaderboard(sweep)
        if (finished.state === 'cancelled') process.exitCode = 1
      } finally {
        await service.close()
      }
    })
}

/** The spec as written; the API call validates it against the schema and says what is wrong. */
function readSpec(path: string): SweepSpecInput {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SweepSpecInput
  } catch (error) {
    throw new Error(`cannot read the sweep spec ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  }
}

/** The documented JSON shape: trials in order, then the best. */
function jsonSummary(sweep: SweepInfo) {
  return {
    sweepId: sweep.id,
    state: sweep.state,
    metric: sweep.spec.metric,
    trials: sweep.trials.map((t) => ({
      number: t.number,
      rung: t.rung,
      params: t.params,
      score: t.score,
      std: t.std,
      folds: t.folds,
      status: t.state,
      seconds: t.seconds,
      ...(t.error ? { error: t.error } : {}),
    })),
    best: sweep.best ? { params: sweep.best.params, score: sweep.best.score, std: sweep.best.std } : null,
  }
}

function printLeaderboard(sweep: SweepInfo): void {
  const ranked = [...sweep.trials].sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity))
  const lines = [
    `Sweep ${sweep.id} (${sweep.spec.model}, ${sweep.spec.strategy}, ${sweep.state}): ${sweep.spec.metric}`,
  ]
  for (const t of ranked) {
    const score = t.score === null ? t.state : `${t.score.toFixed(4)} ± ${(t.std ?? 0).toFixed(4)}`
    lines.push(
      `  #${t.number}${t.rung ? ` rung ${t.rung}` : ''}  ${score}  ${JSON.stringify(t.params)}${t.error ? `  (${t.error})` : ''}`,
    )
  }
  if (sweep.best) lines.push(`Best: ${JSON.stringify(sweep.best.params)} = ${sweep.best.score?.toFixed(4)}`)
  console.log(lines.join('\n'))
}
