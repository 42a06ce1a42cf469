import { InvalidArgumentError, type Command } from 'commander'
import type { EmbedSummary, SearchAnswer } from '@shared/embeddings'
import { plural } from '@shared/plural'
import { resultOf } from '@shared/jobs'
import { cliContext } from '../context'
import { printJson } from '../output'
import { showJobProgress, waitForJob } from '../progress'

interface EmbedOptions {
  base: string
  window?: number
  hop?: number
  rate?: number
  output?: string
  json?: boolean
}

interface SearchOptions {
  like?: string
  clip?: number
  start?: number
  end?: number
  base?: string
  top: number
  exact?: boolean
  unlabeled?: boolean
  json?: boolean
}

/**
 * `earmark embed PROJECT --base MODEL`: every clip's windows through a base, stored once in the
 * project; `earmark search PROJECT --like FILE | --clip ID`: the stored windows nearest to an example.
 */
export function registerEmbed(program: Command): void {
  program
    .command('embed')
    .description(
      "embed every clip's windows with a base model and store the vectors in the project (once per recording)",
    )
    .argument('<project>', 'project file')
    .requiredOption(
      '--base <model>',
      'a run id of the project, a run or export folder, a TensorFlow.js model folder, or an .onnx file taking audio samples',
    )
    .option('--window <s>', 'window length in seconds (default: the length the base was made for)', parsePositive)
    .option('--hop <s>', 'hop between windows in seconds (default: half the window)', parsePositive)
    .option('--rate <hz>', 'sample rate a base taking samples reads them at (default 16000)', parseWhole)
    .option(
      '--output <name>',
      'the base output read as the embedding (default: named like an embedding, else the first)',
    )
    .option('--json', 'print the summary as one JSON object on the last line')
    .action(async (project: string, opts: EmbedOptions) => {
      const { service, call } = cliContext(project)
      try {
        const job = await call('embeddings:start', {
          base: opts.base,
          ...(opts.window === undefined ? {} : { window: opts.window }),
          ...(opts.hop === undefined ? {} : { hop: opts.hop }),
          ...(opts.rate === undefined ? {} : { sampleRate: opts.rate }),
          ...(opts.output === undefined ? {} : { output: opts.output }),
        })
        const finished = await waitForJob(
          { service, call },
          job.id,
          showJobProgress(service, job.id, 'recordings'),
          'embedding failed',
        )
        if (finished.state === 'cancelled') throw new Error('embedding was cancelled: nothing was stored')
        const summary = resultOf(await call('jobs:get', { id: job.id }), 'embed') as EmbedSummary
        if (opts.json) {
          const { embeddings, dims, seconds, ...rest } = summary
          printJson({ embeddings, dims, seconds, ...rest })
        } else {
          console.log(embedText(summary))
        }
      } finally {
        await service.close()
      }
    })

  program
    .command('search')
    .description(
      'find the stored windows most like an example: an audio file (or a span of it), or a clip of the project',
    )
    .argument('<project>', 'project file')
    .option('--like <file>', 'an audio file, or FILE:START-END for a span of it in seconds', parseLike)
    .option('--clip <id>', 'a clip of the project (with --start/--end for a span of it)', parseWhole)
    .option('--start <s>', 'the span of the clip from this second', parseSeconds)
    .option('--end <s>', 'the span of the clip up to this second', parseSeconds)
    .option('--base <model>', 'the base whose embeddings to search (default: the newest embedded)')
    .option('--top <k>', 'how many results (default 10)', parseWhole, 10)
    .option('--exact', 'compare every stored vector instead of using the index (the reference)')
    .option('--unlabeled', 'leave out results whose clip already has a label')
    .option('--json', 'print {"results": [...], "seconds": S} as one JSON object on the last line')
    .action(async (project: string, opts: SearchOptions, command: Command) => {
      // A misused command says why (commander prints it) and exits 2.
      if ((opts.like === undefined) === (opts.clip === undefined)) {
        command.error('error: give --like FILE[:START-END] or --clip ID, one of the two', { exitCode: 2 })
      }
      if (opts.like !== undefined && (opts.start !== undefined || opts.end !== undefined)) {
        command.error('error: --start and --end go with --clip; a file takes its span as FILE:START-END', {
          exitCode: 2,
        })
      }
      const { service, call } = cliContext(project)
      try {
        const like = opts.like === undefined ? undefined : splitLike(opts.like)
        const answer = await call('embeddings:search', {
          ...(like ? like : { clipId: opts.clip as number }),
          ...(opts.start === undefined ? {} : { start: opts.start }),
          ...(opts.end === undefined ? {} : { end: opts.end }),
          ...(opts.base === undefined ? {} : { base: opts.base }),
          top: opts.top,
          method: opts.exact ? 'exact' : 'index',
          unlabeled: opts.unlabeled === true,
        })
        if (opts.json) {
          const { results, seconds, ...rest } = answer
          printJson({ results, seconds, ...rest })
        } else {
          console.log(searchText(answer))
        }
      } finally {
        await service.close()
      }
    })
}

/** `earmark head PROJECT`: a linear head on the stored embeddings, its test accuracy, and what to label next. */
export function registerHead(program: Command): void {
  program
    .command('head')
    .description(
      'train a linear head on the stored embeddings of labeled clips outside the test split (unlabeled windows as weak negatives) and score it on the test split',
    )
    .argument('<project>', 'project file')
    .option('--base <model>', 'the base whose embeddings to use (default: the newest embedded)')
    .option('--weak <w>', 'weight of an unlabeled window as a negative (default 0.05)', parseFraction)
    .option('--json', 'print the summary as one JSON object on the last line')
    .action(async (project: string, opts: { base?: string; weak?: number; json?: boolean }) => {
      const { service, call } = cliContext(project)
      try {
        const answer = await call('embeddings:head', {
          ...(opts.base === undefined ? {} : { base: opts.base }),
          ...(opts.weak === undefined ? {} : { weakNegativeWeight: opts.weak }),
        })
        if (opts.json) {
          printJson(answer)
          return
        }
        const accuracy =
          answer.testAccuracy === null
            ? 'no labeled test clips'
            : `test accuracy ${answer.testAccuracy.toFixed(3)} on ${plural(answer.testClips, 'clip')}`
        console.log(
          `head on ${answer.trainRows} labeled and ${answer.weakNegatives} unlabeled windows, ${answer.classes.length} classes, trained in ${answer.trainSeconds.toFixed(2)} s: ${accuracy}`,
        )
        for (const n of answer.next.slice(0, 10))
          console.log(
            `next\t${n.path}\t${n.start.toFixed(2)}-${n.end.toFixed(2)}\t${n.predicted}\tmargin ${n.margin.toFixed(3)}`,
          )
      } finally {
        await service.close()
      }
    })
}

function parseFraction(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1')
  return n
}

/** `FILE` or `FILE:START-END` (a Windows drive letter's colon is part of the file). */
export function splitLike(value: string): { file: string; start?: number; end?: number } {
  const m = /^(.+):(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value)
  if (!m) return { file: value }
  const start = Number(m[2])
  const end = Number(m[3])
  if (!(end > start)) throw new InvalidArgumentError(`the span ${m[2]}-${m[3]} must end after it starts`)
  return { file: m[1] as string, start, end }
}

function parseLike(value: string): string {
  splitLike(value)
  return value
}

function embedText(s: EmbedSummary): string {
  const lines = [
    `${plural(s.embeddings, 'embedding')} of ${s.dims} values for ${plural(s.clips, 'clip')} (${s.computed} windows computed, ${s.reusedClips} clips reused) in ${s.seconds.toFixed(1)} s`,
    `space ${s.space.id}: ${s.space.baseKind} base ${s.space.basePath}, ${s.space.window} s windows, hop ${s.space.hop} s, ${s.space.sampleRate} Hz`,
  ]
  for (const f of s.failed) lines.push(`skipped ${f.path}: ${f.reason}`)
  return lines.join('\n')
}

function searchText(a: SearchAnswer): string {
  const rows = a.results.map(
    (r) => `${r.score.toFixed(3)}\t${r.path}\t${r.start.toFixed(2)}-${r.end.toFixed(2)} s\t${r.label ?? '(unlabeled)'}`,
  )
  return [...rows, `${plural(a.results.length, 'result')} in ${(a.seconds * 1000).toFixed(1)} ms (${a.method})`].join(
    '\n',
  )
}

function parsePositive(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a number of seconds above 0')
  return n
}

function parseSeconds(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected seconds, 0 or more')
  return n
}

function parseWhole(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number, 1 or more')
  return n
}
