import { InvalidArgumentError, Option, type Command } from 'commander'
import { runSplits, type RunSplit } from '@shared/evaluation'
import type { EvaluationMetrics } from '@shared/report'
import { plural } from '@shared/plural'
import { cliContext, type CliContext } from '../context'
import { eventMetricsReport } from '../event-report'
import { printJson } from '../output'
import { showJobProgress, waitForJob } from '../progress'

const parseSplit = (value: string): RunSplit => {
  if (!(runSplits as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${runSplits.join(', ')}`)
  return value as RunSplit
}

const parseRunId = (value: string): number => {
  const id = Number(value)
  if (!Number.isInteger(id) || id < 1) throw new InvalidArgumentError('expected a run id (a positive integer)')
  return id
}

const parseSeconds = (value: string): number => {
  const seconds = Number(value)
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new InvalidArgumentError('expected seconds above 0, e.g. 0.25')
  return seconds
}

interface EvaluateOptions {
  run: number
  split: RunSplit
  report?: string
  json?: boolean
  events?: boolean
  collar: number
  segment: number
}

/**
 * `earmark evaluate PROJECT --run ID`: a run's classification report and confusion matrix on a
 * split; with `--events`, its detections scored as sound-event detection against labeled regions.
 */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      "print a run's per-class precision, recall, F1 and confusion matrix on a split, or write a report; with --events, score its detections as sound events",
    )
    .argument('<project>', 'project file')
    .requiredOption('--run <id>', 'the run to evaluate', parseRunId)
    .option('--split <split>', `the split whose predictions to score: ${runSplits.join(', ')}`, parseSplit, 'test')
    .option('--report <dir>', 'also write metrics.json, metrics.csv, predictions.csv and report.html into a folder')
    .option(
      '--json',
      "print the metrics and every clip's prediction (with --events: the event metrics) as one JSON object",
    )
    .addOption(
      new Option(
        '--events',
        "score the run's detections in the split's clips against their labeled regions (detecting first when it has none there)",
      ).conflicts('report'),
    )
    .option('--collar <s>', 'with --events: the onset collar, seconds', parseSeconds, 0.25)
    .option('--segment <s>', 'with --events: the segment length of segment-based scores, seconds', parseSeconds, 1)
    .action(async (project: string, opts: EvaluateOptions) => {
      const context = cliContext(project)
      const { service, call } = context
      try {
        if (opts.events) {
          await evaluateEvents(context, opts)
          return
        }
        const evaluation = await call('runs:evaluation', { id: opts.run, split: opts.split })
        const written =
          opts.report === undefined
            ? []
            : (await call('runs:report', { id: opts.run, split: opts.split, out: opts.report })).files
        if (written.length > 0)
          console.error(`Wrote ${plural(written.length, 'file')}:\n${written.map((f) => `  ${f}`).join('\n')}`)
        if (opts.json) printJson(evaluation)
        else console.log(classificationReport(evaluation, `Run #${opts.run} on its ${opts.split} split`))
      } finally {
        await service.close()
      }
    })
}

/**
 * Event metrics of a run's stored detections on a split. A run with no detections in the split's
 * annotated clips first detects them with its model (as the studio's Detect does), so one command
 * goes from a trained run to its event scores.
 */
async function evaluateEvents({ service, call }: CliContext, opts: EvaluateOptions): Promise<void> {
  const request = { id: opts.run, split: opts.split, collar: opts.collar, segment: opts.segment }
  let report = await call('runs:events', request)
  if (report.event.micro.estimated === 0 && report.clipIds !== undefined) {
    console.error(
      `Run ${opts.run} has no detections in its ${plural(report.clips, `annotated ${opts.split} clip`)}: detecting…`,
    )
    const job = await call('detections:start', { runId: opts.run, clipIds: report.clipIds })
    const finished = await waitForJob(
      { service, call },
      job.id,
      showJobProgress(service, job.id, 'clips'),
      'detection failed',
    )
    if (finished.state === 'cancelled') throw new Error('detection was cancelled')
    report = await call('runs:events', request)
  }
  if (opts.json) printJson(report)
  else console.log(eventMetricsReport(report, `Run #${opts.run} on its ${opts.split} split: event metrics`))
}

/** A readable report as scikit-learn's classification_report prints it, then the confusion matrix. */
function classificationReport(m: EvaluationMetrics, title: string): string {
  const count = m.confusion.flat().reduce((a, b) => a + b, 0)
  const nameWidth = Math.max(12, ...m.labels.map((l) => l.length))
  const num = (v: number) => v.toFixed(4).padStart(10)
  const line = (name: string, cells: string[]) => `${name.padStart(nameWidth)}${cells.join('')}`
  const scores = m.labels.map((name) => {
    const s = m.perClass[name]
    return s ? line(name, [num(s.precision), num(s.recall), num(s.f1), String(s.support).padStart(10)]) : ''
  })
  const blank = ''.padStart(10)
  const report = [
    title,
    '',
    line(
      '',
      ['precision', 'recall', 'f1-score', 'support'].map((h) => h.padStart(10)),
    ),
    '',
    ...scores,
    '',
    line('accuracy', [blank, blank, num(m.accuracy), String(count).padStart(10)]),
    line('macro avg', [num(m.macro.precision), num(m.macro.recall), num(m.macro.f1), String(count).padStart(10)]),
    line('weighted avg', [
      num(m.weighted.precision),
      num(m.weighted.recall),
      num(m.weighted.f1),
      String(count).padStart(10),
    ]),
  ]
  // Each column as wide as its class name or its widest count, so the matrix stays aligned.
  const widths = m.labels.map((l, p) => Math.max(l.length, ...m.confusion.map((row) => String(row[p]).length)) + 2)
  const width = (p: number) => widths[p] as number
  const matrix = [
    '',
    'Confusion matrix (rows: true class, columns: predicted class)',
    '',
    line(
      '',
      m.labels.map((l, p) => l.padStart(width(p))),
    ),
    ...m.confusion.map((row, t) =>
      line(
        m.labels[t] as string,
        row.map((v, p) => String(v).padStart(width(p))),
      ),
    ),
  ]
  return [...report, ...matrix].join('\n')
}
