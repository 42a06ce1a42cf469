import type { Command } from 'commander'
import { csvText } from '../../core/csv'
import { predictFiles, type PredictResult } from '../../core/runs'
import { printJson } from '../output'

/** `earmark predict MODEL FILE…`: classifies audio files with a trained run's model. */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify audio files with a trained model (a run folder, an export, or its model.json)')
    .argument('<model>', 'run folder or export folder, or the model.json in one')
    .argument('<files...>', 'audio files')
    .option('--json', 'print one JSON object: model, labels, and per file the predicted class and probabilities')
    .option('--csv', 'print CSV: path, predicted, one probability column per class, error')
    .action(async (model: string, files: string[], opts: { json?: boolean; csv?: boolean }) => {
      const result = await predictFiles(model, files)
      if (opts.json) printJson(result)
      else if (opts.csv) process.stdout.write(toCsv(result))
      else console.log(toText(result))
      if (result.predictions.some((p) => p.predicted === null)) process.exitCode = 1
    })
}

function toCsv(result: PredictResult): string {
  const rows = result.predictions.map((p) => [
    p.path,
    p.predicted,
    ...result.labels.map((label) => p.probabilities[label] ?? null),
    p.error ?? null,
  ])
  return csvText([['path', 'predicted', ...result.labels, 'error'], ...rows])
}

function toText(result: PredictResult): string {
  return result.predictions
    .map((p) => {
      if (p.predicted === null) return `${p.path}\terror: ${p.error ?? 'unreadable'}`
      const top = Object.entries(p.probabilities)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([label, probability]) => `${label} ${probability.toFixed(3)}`)
        .join(', ')
      return `${p.path}\t${p.predicted}\t(${top})`
    })
    .join('\n')
}
