/**
 * Reports of a run's evaluation on one split: the metrics as JSON and CSV, the
 * predictions as CSV, and one self-contained HTML page (inline CSS, an inline SVG confusion
 * matrix) that opens anywhere without a network or a server.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import type {
  ClassificationMetrics,
  ClassScores,
  RunDetail,
  RunPrediction,
  RunSplit,
  SplitPolicy,
} from '@shared/evaluation'
import type { LeakageReport } from '@shared/leakage'
import type { AverageScores, EvaluationMetrics, RunEvaluation } from '@shared/report'
import { plural } from '@shared/plural'
import { getRun, runPredictions } from '../catalog/runs'
import { EarmarkError } from '../errors'
import { classificationMetrics, probabilitiesFromRows } from '../evaluation'
import { csvText, type CsvCell } from '../csv'
import { runLeakage } from './split-leakage'

/** A run, one of its splits, the split's predictions and the metrics computed from them. */
export interface RunReport {
  run: RunDetail
  split: RunSplit
  metrics: ClassificationMetrics
  predictions: RunPrediction[]
  /** What leaks between the run's training (with validation) and test clips; left out, nothing is said. */
  leakage?: LeakageReport
}

/** The files a report folder holds. */
const REPORT_FILES = {
  metricsJson: 'metrics.json',
  metricsCsv: 'metrics.csv',
  predictionsCsv: 'predictions.csv',
  html: 'report.html',
} as const

/**
 * Loads a run's predictions on a split and computes their metrics, so that every number of a
 * report follows from the predictions it lists. A split without predictions is an error.
 */
export function loadRunReport(db: Database, runId: number, split: RunSplit): RunReport {
  const run = getRun(db, runId)
  if (run.source === 'regions') {
    // Its examples were windows, which the catalog does not keep one by one: no per-clip report.
    throw new EarmarkError(
      'invalid-input',
      `Run ${runId} trained on windows of regions: its window-level metrics are in the run (earmark train --json, the studio's run view); score its detections with --events`,
    )
  }
  const { rows } = runPredictions(db, runId, { split, offset: 0, limit: Number.MAX_SAFE_INTEGER })
  const index = new Map(run.labels.map((name, k) => [name, k]))
  // A clip whose recorded or predicted label is not among the run's classes has no matrix cell (never the case for runs made here).
  const predictions = rows.filter(
    (r) => index.has(r.true) && index.has(r.predicted) && r.probabilities.length === run.labels.length,
  )
  if (predictions.length === 0) {
    const known = Object.keys(run.metrics)
    throw new EarmarkError(
      'not-found',
      `Run ${runId} has no predictions on the ${split} split` +
        (known.length > 0 ? ` (it has metrics on: ${known.join(', ')})` : ` (it is ${run.state})`),
    )
  }
  const metrics = classificationMetrics(
    run.labels,
    Int32Array.from(predictions, (p) => index.get(p.true) as number),
    Int32Array.from(predictions, (p) => index.get(p.predicted) as number),
    probabilitiesFromRows(
      predictions.map((p) => p.probabilities),
      run.labels.length,
    ),
  )
  return { run, split, metrics, predictions, leakage: runLeakage(db, runId) }
}

const average = ({ precision, recall, f1 }: ClassScores): AverageScores => ({ precision, recall, f1 })

/** The metrics as `evaluate --json` prints them (without the predictions). */
function evaluationMetrics(metrics: ClassificationMetrics): EvaluationMetrics {
  return {
    labels: metrics.labels,
    accuracy: metrics.accuracy,
    macro: average(metrics.macro),
    weighted: average(metrics.weighted),
    perClass: metrics.perClass,
    confusion: metrics.confusion,
  }
}

/** The whole evaluation with every clip's prediction: `earmark evaluate --json`. */
export function runEvaluation(report: RunReport): RunEvaluation {
  const labels = report.run.labels
  return {
    ...evaluationMetrics(report.metrics),
    predictions: report.predictions.map((p) => ({
      path: p.path,
      true: p.true,
      predicted: p.predicted,
      probabilities: Object.fromEntries(labels.map((name, k) => [name, p.probabilities[k] as number])),
    })),
  }
}

/** metrics.json: the evaluation's metrics, with balanced and top-k accuracy. */
export function metricsJson(metrics: ClassificationMetrics): string {
  const { labels, accuracy, ...rest } = evaluationMetrics(metrics)
  const document = {
    labels,
    accuracy,
    balancedAccuracy: metrics.balancedAccuracy,
    topK: metrics.topK,
    ...rest,
  }
  return `${JSON.stringify(document, null, 2)}\n`
}

/**
 * metrics.csv: `kind,class,precision,recall,f1,support`, one `class` row per class, then the
 * `macro` and `weighted` averages (support: every clip). A kind column rather than a class named
 * "macro avg" keeps a class of that name unambiguous.
 */
export function metricsCsv(metrics: ClassificationMetrics): string {
  const row = (kind: string, name: string, s: ClassScores): CsvCell[] => [
    kind,
    name,
    s.precision,
    s.recall,
    s.f1,
    s.support,
  ]
  return csvText([
    ['kind', 'class', 'precision', 'recall', 'f1', 'support'],
    ...metrics.labels.map((name) => row('class', name, metrics.perClass[name] as ClassScores)),
    row('macro', '', metrics.macro),
    row('weighted', '', metrics.weighted),
  ])
}

/** predictions.csv: `path,true,predicted,p_<class>…`, probabilities in the run's class order. */
export function predictionsCsv(labels: readonly string[], predictions: readonly RunPrediction[]): string {
  return csvText([
    ['path', 'true', 'predicted', ...labels.map((name) => `p_${name}`)],
    ...predictions.map((p) => [p.path, p.true, p.predicted, ...p.probabilities]),
  ])
}

/** Text as HTML text or attribute value. */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** At most `n` characters, with an ellipsis when cut (long class names would crowd the matrix's axes). */
const clip = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text)

/**
 * The confusion matrix as an SVG heat map: counts in the cells, shaded by the row-normalised
 * share (the recall of the row's class lands on the diagonal), true classes down the left,
 * predicted ones along the top. Each cell's tooltip says its classes, count and share.
 */
export function confusionSvg(metrics: ClassificationMetrics): string {
  const { labels, confusion, confusionNormalized } = metrics
  const n = labels.length
  const cell = Math.max(18, Math.min(56, Math.floor(640 / Math.max(n, 1))))
  const font = Math.max(9, Math.min(14, Math.floor(cell / 3)))
  const names = labels.map((l) => clip(l, 24))
  const labelSpace = Math.ceil(Math.max(...names.map((l) => l.length), 4) * font * 0.62) + 12
  const left = labelSpace + font * 2
  const top = labelSpace + font * 2
  const size = n * cell
  const parts: string[] = []
  confusion.forEach((row, t) =>
    row.forEach((count, p) => {
      const share = confusionNormalized[t]?.[p] ?? 0
      // White to a deep blue; light text on the dark half.
      const shade = (a: number, b: number) => Math.round(a + (b - a) * share)
      const fill = `rgb(${shade(255, 8)},${shade(255, 69)},${shade(255, 148)})`
      const ink = share > 0.5 ? '#fff' : '#1a1a1a'
      const x = left + p * cell
      const y = top + t * cell
      const tip = `true ${labels[t] as string}, predicted ${labels[p] as string}: ${count} (${(100 * share).toFixed(1)}% of the row)`
      parts.push(
        `<g class="cell" data-true="${escapeHtml(labels[t] as string)}" data-predicted="${escapeHtml(labels[p] as string)}">` +
          `<title>${escapeHtml(tip)}</title>` +
          `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#d0d4da"/>` +
          `<text x="${x + cell / 2}" y="${y + cell / 2}" fill="${ink}" font-size="${font}" text-anchor="middle" dominant-baseline="central">${count}</text></g>`,
      )
    }),
  )
  names.forEach((name, k) => {
    const mid = k * cell + cell / 2
    parts.push(
      `<text class="axis-label" x="${left - 6}" y="${top + mid}" font-size="${font}" text-anchor="end" dominant-baseline="central"><title>${escapeHtml(labels[k] as string)}</title>${escapeHtml(name)}</text>`,
      `<text class="axis-label" transform="translate(${left + mid},${top - 6}) rotate(-90)" font-size="${font}" dominant-baseline="central"><title>${escapeHtml(labels[k] as string)}</title>${escapeHtml(name)}</text>`,
    )
  })
  parts.push(
    `<text class="axis-title" x="${left + size / 2}" y="${font}" font-size="${font + 1}" text-anchor="middle" font-weight="600">predicted class</text>`,
    `<text class="axis-title" transform="translate(${font},${top + size / 2}) rotate(-90)" font-size="${font + 1}" text-anchor="middle" font-weight="600">true class</text>`,
  )
  const width = left + size + 8
  const height = top + size + 8
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="confusion" data-testid="confusion-matrix" role="img" ` +
    `aria-label="Confusion matrix, ${n} classes: rows are true classes, columns predicted ones" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">` +
    parts.join('') +
    `</svg>`
  )
}

const fixed = (v: number): string => v.toFixed(3)
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`

function metricsTable(metrics: ClassificationMetrics): string {
  const row = (name: string, s: AverageScores, support: number, cls = '') =>
    `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${escapeHtml(name)}</th><td>${fixed(s.precision)}</td>` +
    `<td>${fixed(s.recall)}</td><td>${fixed(s.f1)}</td><td>${support}</td></tr>`
  const classes = metrics.labels.map((name) => {
    const s = metrics.perClass[name] as ClassScores
    return row(name, s, s.support)
  })
  return (
    `<table class="metrics" data-testid="metrics-table"><thead><tr><th>class</th><th>precision</th><th>recall</th>` +
    `<th>F1</th><th>support</th></tr></thead><tbody>${classes.join('')}</tbody><tfoot>` +
    row('macro avg', metrics.macro, metrics.count, 'avg') +
    row('weighted avg', metrics.weighted, metrics.count, 'avg') +
    `</tfoot></table>`
  )
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 72rem; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 2rem 0 .75rem; }
.muted { color: #5f6670; }
.warning { background: #fff4e5; border-left: 4px solid #e8a33d; padding: .5rem .75rem; }
.stats { display: flex; flex-wrap: wrap; gap: 1.5rem; margin: 1.25rem 0; }
.stat .value { display: block; font-size: 1.6rem; font-weight: 600; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.run dt { color: #5f6670; } dl.run dd { margin: 0; font-family: ui-monospace, monospace; font-size: 13px; word-break: break-all; }
table.metrics { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.metrics th, table.metrics td { padding: .3rem .8rem; border-bottom: 1px solid #e3e6ea; text-align: right; }
table.metrics th[scope=row], table.metrics thead th:first-child { text-align: left; }
table.metrics tfoot tr:first-child th, table.metrics tfoot tr:first-child td { border-top: 2px solid #aab1ba; }
svg.confusion { max-width: 100%; height: auto; }
footer { margin-top: 2.5rem; font-size: 12px; }
`

/** The report as one HTML page that needs nothing beside it. */
export function reportHtml(report: RunReport, writtenAt: Date): string {
  const { run, split, metrics } = report
  const topK = Object.entries(metrics.topK)
    .filter(([k]) => k !== '1')
    .map(([k, v]) => `<div class="stat"><span class="value">${pct(v)}</span> top-${escapeHtml(k)} accuracy</div>`)
  const params = Object.entries(run.params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')
  const title = `Run #${run.id} (${run.model}) on its ${split} split`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Earmark report: ${title}`)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${plural(metrics.count, 'clip')}, ${plural(metrics.labels.length, 'class')}</p>
<div class="stats">
<div class="stat"><span class="value" data-testid="report-accuracy">${pct(metrics.accuracy)}</span> accuracy</div>
<div class="stat"><span class="value">${pct(metrics.balancedAccuracy)}</span> balanced accuracy</div>
<div class="stat"><span class="value">${fixed(metrics.macro.f1)}</span> macro-F1</div>
${topK.join('\n')}
</div>
<h2>Run</h2>
<dl class="run">
<dt>model</dt><dd>${escapeHtml(run.model)}</dd>
<dt>engine</dt><dd>${escapeHtml(run.engine)}</dd>
<dt>split</dt><dd>${escapeHtml(split)} (${escapeHtml(run.splitMethod)})</dd>
<dt>split policy</dt><dd data-testid="report-split-policy">${escapeHtml(SPLIT_POLICY_WORDS[run.splitPolicy])}</dd>
<dt>parameters</dt><dd>${escapeHtml(params)}</dd>
<dt>features</dt><dd>${escapeHtml(run.featureHash)}</dd>
<dt>trained</dt><dd>${escapeHtml(run.createdAt)}${run.finishedAt ? ` to ${escapeHtml(run.finishedAt)}` : ''}</dd>
${run.outdatedLabels > 0 ? `<dt>labels</dt><dd>${run.outdatedLabels} changed since the run trained</dd>` : ''}
</dl>
${leakageNote(report.leakage)}
<h2>Confusion matrix</h2>
<p class="muted">Counts; the shade is the share of the row (true class), so the diagonal reads as each class's recall.</p>
${confusionSvg(metrics)}
<h2>Per class</h2>
${metricsTable(metrics)}
<footer class="muted">Written by Earmark on ${escapeHtml(writtenAt.toISOString())}.</footer>
</body></html>
`
}

/** The split policies as the report names them. */
const SPLIT_POLICY_WORDS: Record<SplitPolicy, string> = {
  column: 'column: the catalog split column',
  group: 'group: whole groups held out to test',
  random: 'random: a stratified random draw',
}

/** The leakage warning, when anything leaks: the test score is then optimistic, and the reader must know. */
function leakageNote(leakage: LeakageReport | undefined): string {
  if (!leakage || (leakage.groups.length === 0 && leakage.duplicates.length === 0)) return ''
  return `<p class="warning" data-testid="report-leakage"><strong>Leakage:</strong> ${escapeHtml(leakage.summary)} (${plural(leakage.leakingTestClips, 'test clip')} affected).</p>`
}

/** Writes metrics.json, metrics.csv, predictions.csv and report.html into `out` (created if needed); returns their paths. */
export async function writeRunReport(
  db: Database,
  runId: number,
  split: RunSplit,
  out: string,
  writtenAt: Date = new Date(),
): Promise<string[]> {
  const report = loadRunReport(db, runId, split)
  const files: [string, string][] = [
    [REPORT_FILES.metricsJson, metricsJson(report.metrics)],
    [REPORT_FILES.metricsCsv, metricsCsv(report.metrics)],
    [REPORT_FILES.predictionsCsv, predictionsCsv(report.run.labels, report.predictions)],
    [REPORT_FILES.html, reportHtml(report, writtenAt)],
  ]
  await mkdir(out, { recursive: true })
  const written: string[] = []
  for (const [name, text] of files) {
    await writeFile(join(out, name), text)
    written.push(join(out, name))
  }
  return written
}
