import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import { plural } from '@shared/plural'
import { detectFiles, type DetectFilesResult } from '../../core/detection/detect'
import {
  detectionCsv,
  detectionDocument,
  detectionFiles,
  detectionFormats,
  isDetectionFormat,
  type DetectionFormat,
} from '../../core/detection/formats'
import { EarmarkError } from '../../core/errors'
import { printJson } from '../output'

interface DetectOptions {
  threshold?: number
  minGap?: number
  minDuration?: number
  window?: number
  hop?: number
  format?: DetectionFormat
  out?: string
  json?: boolean
}

/** `earmark detect MODEL FILE…`: slides a trained model over recordings of any length and lists the events it finds. */
export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description(
      'find events in recordings of any length with a trained model (a run folder, an export, or its model.json): the model scores windows, and windows over its thresholds become events',
    )
    .argument('<model>', 'run folder or export folder, or the model.json in one')
    .argument('<files...>', 'audio files (WAV, FLAC, MP3, Ogg), streamed: any length')
    .option('--threshold <score>', "one threshold for every class, 0-1 (default: the model's own per class)", score)
    .option('--min-gap <seconds>', 'merge events of a class at most this far apart (default: the hop)', seconds)
    .option(
      '--min-duration <seconds>',
      'drop events shorter than this (default: half the window for a model trained on regions, else 0)',
      seconds,
    )
    .option('--window <seconds>', "window length instead of the model's", seconds)
    .option(
      '--hop <seconds>',
      "step between windows instead of the model's (default with --window: a quarter of it)",
      seconds,
    )
    .option('--format <format>', `write the detections as ${detectionFormats.join(', ')}`, format)
    .option('--out <dir>', 'folder to write the detection files into (created if needed)')
    .option(
      '--json',
      'end with one JSON line: {"detections": [{"path", "start", "end", "label", "score"}], "audioSeconds", "seconds", "failed"}',
    )
    .action(async (model: string, files: string[], opts: DetectOptions) => {
      const chosen = opts.format ?? (opts.out ? 'json' : undefined)
      if ((chosen === 'raven' || chosen === 'audacity') && !opts.out) {
        throw new EarmarkError('invalid-input', `--format ${chosen} writes one file per recording: give --out DIR`)
      }
      const result = await detectFiles(model, files, {
        ...(opts.threshold === undefined ? {} : { threshold: opts.threshold }),
        ...(opts.minGap === undefined ? {} : { minGap: opts.minGap }),
        ...(opts.minDuration === undefined ? {} : { minDuration: opts.minDuration }),
        ...(opts.window === undefined && opts.hop === undefined
          ? {}
          : {
              window: {
                ...(opts.window === undefined ? {} : { seconds: opts.window }),
                ...(opts.hop === undefined ? {} : { hop: opts.hop }),
              },
            }),
        onFile: (file, done, total) => {
          if (file.error !== undefined) console.error(`${file.path}: ${file.error}`)
          else if (!opts.json && total > 1)
            console.error(`${done}/${total} ${file.path}: ${plural(file.events.length, 'detection')}`)
        },
      })
      if (opts.out && chosen) {
        await mkdir(opts.out, { recursive: true })
        const written = detectionFiles(result, chosen)
        for (const f of written) await writeFile(join(opts.out, f.name), f.text)
        if (!opts.json) console.log(`Wrote ${plural(written.length, 'file')} to ${opts.out}`)
      } else if (chosen === 'json') printJson(detectionDocument(result))
      else if (chosen === 'csv') process.stdout.write(detectionCsv(result))
      else if (!opts.json) console.log(toText(result))
      if (opts.json) printJson(jsonLine(result))
      if (result.files.some((f) => f.error !== undefined)) process.exitCode = 1
    })
}

/** The last line of `--json`: every detection of every file, and how long the audio and the work were. */
function jsonLine(result: DetectFilesResult) {
  return {
    detections: result.files.flatMap((f) =>
      f.events.map((e) => ({ path: f.path, start: micro(e.start), end: micro(e.end), label: e.label, score: e.score })),
    ),
    audioSeconds: result.audioSeconds,
    seconds: result.seconds,
    failed: result.files.flatMap((f) => (f.error === undefined ? [] : [{ path: f.path, reason: f.error }])),
  }
}

/** Seconds to the microsecond, as label tools write them (no 0.30000000000000004). */
const micro = (seconds: number): number => Math.round(seconds * 1e6) / 1e6

function toText(result: DetectFilesResult): string {
  const lines = result.files.flatMap((f) =>
    f.error !== undefined
      ? [`${f.path}\terror: ${f.error}`]
      : f.events.map((e) => `${f.path}\t${e.start.toFixed(3)}\t${e.end.toFixed(3)}\t${e.label}\t${e.score.toFixed(3)}`),
  )
  const speed = result.seconds > 0 ? ` (${(result.audioSeconds / result.seconds).toFixed(0)}x real time)` : ''
  const found = result.files.reduce((n, f) => n + f.events.length, 0)
  lines.push(
    `${plural(found, 'detection')} in ${plural(result.files.length, 'file')}: ${result.audioSeconds.toFixed(1)} s of audio in ${result.seconds.toFixed(1)} s${speed}`,
  )
  return lines.join('\n')
}

function score(value: string): number {
  const n = Number(value)
  if (!(value.trim() !== '' && n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a score from 0 to 1')
  return n
}

function seconds(value: string): number {
  const n = Number(value)
  if (!(value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 3600)) {
    throw new InvalidArgumentError('must be seconds from 0 to 3600')
  }
  return n
}

function format(value: string): DetectionFormat {
  if (isDetectionFormat(value)) return value
  throw new InvalidArgumentError(`use ${detectionFormats.join(', ')}`)
}
