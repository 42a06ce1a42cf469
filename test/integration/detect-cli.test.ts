// `earmark detect` end to end on the built CLI: a model trained on clips slid over files in every
// output format, bad inputs reported while the other files are detected, and a one-hour recording
// detected in bounded memory (peak resident memory measured against a two-minute one's).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromAudacity, fromRaven } from '../../src/main/core/interchange/formats'
import { assertBuilt, ROOT, runEarmark } from '../helpers/cli'
import { writeToneClasses } from '../helpers/tone-classes'
import { pcm16WavWriter } from '../helpers/wav-writer'

interface JsonLine {
  detections: { path: string; start: number; end: number; label: string; score: number }[]
  audioSeconds: number
  seconds: number
  failed: { path: string; reason: string }[]
}

/** The last line of a command's stdout, as JSON. */
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T

/**
 * Writes a 16-bit mono WAV of `seconds` at 8 kHz a block at a time (never the whole recording in
 * memory): the tone clips in turn, each followed by quiet noise, over and over.
 */
function writeLongWav(path: string, seconds: number, tones: Float32Array[]): void {
  const rate = 8000
  const wav = pcm16WavWriter(path, rate, seconds * rate)
  try {
    const block = new Float64Array(rate)
    let seed = 1
    for (let s = 0; s < seconds; s++) {
      const tone = tones[s % tones.length] as Float32Array
      for (let i = 0; i < rate; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648
        const noise = 0.005 * (seed / 1073741824 - 1)
        block[i] = s % 3 === 0 && i < tone.length ? (tone[i] as number) : noise
      }
      wav.write(block)
    }
  } finally {
    wav.close()
  }
}

/**
 * Prints the process's peak resident memory as it exits (worker threads included: they share it),
 * loaded into the CLI's process before it starts, so no outside tool is needed to measure it.
 */
const REPORT_PEAK_RSS = `data:text/javascript,process.on('exit', () => process.stderr.write('peak-rss-kb ' + process.resourceUsage().maxRSS + '\\n'))`

/** Runs `earmark ARGS`: its exit, output and peak resident memory (MB). */
function measured(args: string[]): { code: number | null; stdout: string; stderr: string; peakMb: number } {
  const run = spawnSync(process.execPath, ['--import', REPORT_PEAK_RSS, join(ROOT, 'bin', 'earmark.js'), ...args], {
    encoding: 'utf8',
  })
  const peak = /peak-rss-kb (\d+)/.exec(run.stderr)
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, peakMb: peak ? Number(peak[1]) / 1024 : NaN }
}

describe('earmark detect', { timeout: 600_000 }, () => {
  let dir: string
  let rfExport: string
  let cnnRun: string
  let defaultRun: string
  let short: string
  let tones: Float32Array[]

  beforeAll(() => {
    assertBuilt()
    dir = mkdtempSync(join(tmpdir(), 'earmark-detect-cli-'))
    const project = join(dir, 'tones.earmark')
    const files = writeToneClasses(join(dir, 'audio'), 10)
    tones = ['hum', 'whistle', 'chirp'].map((label) => {
      const file = files.find((f) => f.includes(`/${label}/`)) as string
      // The fixtures are 16-bit PCM after a 44-byte header.
      const bytes = readFileSync(file)
      return Float32Array.from({ length: (bytes.length - 44) / 2 }, (_, i) => bytes.readInt16LE(44 + 2 * i) / 32768)
    })
    expect(runEarmark(['init', project]).code).toBe(0)
    const imported = runEarmark(['import', project, join(dir, 'audio'), '--labels-from', 'folder', '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    const rf = runEarmark(['train', project, '--model', 'rf', '--param', 'trees=15', '--seed', '2', '--json'])
    expect(rf.code, rf.stderr).toBe(0)
    rfExport = join(dir, 'rf-export')
    const exported = runEarmark([
      'export',
      project,
      '--run',
      String(lastJson<{ runId: number }>(rf.stdout).runId),
      '--out',
      rfExport,
    ])
    expect(exported.code, exported.stderr).toBe(0)
    const cnn = runEarmark([
      'train',
      project,
      '--model',
      'cnn',
      '--seed',
      '2',
      '--json',
      '--param',
      'epochs=3',
      '--param',
      'filters=[8,16]',
      '--param',
      'denseUnits=16',
    ])
    expect(cnn.code, cnn.stderr).toBe(0)
    cnnRun = join(dir, 'tones runs', `run-${lastJson<{ runId: number }>(cnn.stdout).runId}`)
    // The default CNN, trained an epoch: what the one-hour check runs (its speed does not depend on training).
    const defaultCnn = runEarmark(['train', project, '--model', 'cnn', '--seed', '2', '--json', '--param', 'epochs=1'])
    expect(defaultCnn.code, defaultCnn.stderr).toBe(0)
    defaultRun = join(dir, 'tones runs', `run-${lastJson<{ runId: number }>(defaultCnn.stdout).runId}`)
    short = join(dir, 'short.wav')
    writeLongWav(short, 10, tones)
  }, 300_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('detects with an export, reports bad inputs clearly and still detects the other files', () => {
    const text = join(dir, 'notes.wav')
    writeFileSync(text, 'path,label\nyes,a.wav\n'.repeat(20))
    const gone = join(dir, 'gone.wav')
    // A tree model of clips of any length needs a window.
    const noWindow = runEarmark(['detect', rfExport, short, '--json'])
    expect(noWindow.code).toBe(1)
    expect(noWindow.stderr).toMatch(/no window length: give one \(--window SECONDS\)/)

    const result = runEarmark(['detect', rfExport, short, gone, text, '--window', '0.5', '--json'])
    expect(result.code).toBe(1)
    const line = lastJson<JsonLine>(result.stdout)
    expect(Object.keys(line).sort()).toEqual(['audioSeconds', 'detections', 'failed', 'seconds'])
    expect(line.audioSeconds).toBe(10)
    expect(line.seconds).toBeGreaterThan(0)
    expect(line.detections.length).toBeGreaterThan(0)
    for (const d of line.detections) {
      expect(Object.keys(d).sort()).toEqual(['end', 'label', 'path', 'score', 'start'])
      expect(d.path).toBe(short)
      expect(['chirp', 'hum', 'whistle']).toContain(d.label)
      expect(d.end).toBeGreaterThan(d.start)
      expect(d.score).toBeGreaterThanOrEqual(0.5)
    }
    expect(line.failed.map((f) => f.path)).toEqual([gone, text])
    expect(line.failed[0]!.reason).toMatch(/ENOENT|no such file/)
    expect(line.failed[1]!.reason).toMatch(/not audio: the file is text/)
    expect(result.stderr).toContain(`${text}: not audio: the file is text`)

    // A folder that is no model, and bad options.
    const notModel = runEarmark(['detect', join(dir, 'audio'), short])
    expect(notModel.code).toBe(1)
    expect(notModel.stderr).toMatch(/is not a model: a run folder or an export holds model.json/)
    expect(runEarmark(['detect', rfExport, short, '--threshold', '2']).code).toBe(2)
    expect(runEarmark(['detect', rfExport, short, '--format', 'xml']).code).toBe(2)
    const ravenWithoutOut = runEarmark(['detect', rfExport, short, '--window', '0.5', '--format', 'raven'])
    expect(ravenWithoutOut.code).toBe(1)
    expect(ravenWithoutOut.stderr).toMatch(/give --out DIR/)
  })

  it('writes json, csv, Raven and Audacity files that agree with the --json line', () => {
    const base = ['detect', cnnRun, short, '--threshold', '0.4', '--min-gap', '0.5']
    const line = lastJson<JsonLine>(runEarmark([...base, '--json']).stdout)
    expect(line.detections.length).toBeGreaterThan(0)
    const expected = line.detections.map((d) => ({ label: d.label, start: d.start, end: d.end }))
    const close = (got: { label: string | null; start: number; end: number }[]) => {
      expect(got).toHaveLength(expected.length)
      got.forEach((g, i) => {
        expect(g.label).toBe(expected[i]!.label)
        expect(g.start).toBeCloseTo(expected[i]!.start, 5)
        expect(g.end).toBeCloseTo(expected[i]!.end, 5)
      })
    }
    for (const format of ['json', 'csv', 'raven', 'audacity']) {
      const out = join(dir, `out-${format}`)
      const run = runEarmark([...base, '--format', format, '--out', out])
      expect(run.code, run.stderr).toBe(0)
      const [name] = readdirSync(out)
      const text = readFileSync(join(out, name!), 'utf8')
      if (format === 'json') {
        expect(name).toBe('detections.json')
        const doc = JSON.parse(text) as {
          files: { path: string; detections: { label: string; start: number; end: number }[] }[]
        }
        close(doc.files[0]!.detections)
      } else if (format === 'csv') {
        expect(name).toBe('detections.csv')
        const rows = text.trim().split('\n')
        expect(rows[0]).toBe('path,start,end,label,score')
        close(
          rows.slice(1).map((r) => {
            const [, start, end, label] = r.split(',')
            return { label: label!, start: Number(start), end: Number(end) }
          }),
        )
      } else if (format === 'raven') {
        expect(name).toBe('short.wav.Table.1.selections.txt')
        expect(text.split('\n')[0]).toMatch(/\tAnnotation\tScore$/)
        close(fromRaven(name!, text, () => 8000)[0]!.regions!)
      } else {
        expect(name).toBe('short.wav.txt')
        close(fromAudacity(name!, text)[0]!.regions!)
      }
    }
  })

  it('detects a one-hour recording in bounded memory', () => {
    const hour = join(dir, 'hour.wav')
    writeLongWav(hour, 3600, tones)
    expect(existsSync(hour)).toBe(true)
    // The baseline scans two minutes: enough windows for whole batches, so what grows with an hour is the hour's.
    const minutes = join(dir, 'two-minutes.wav')
    writeLongWav(minutes, 120, tones)
    const baseline = measured(['detect', defaultRun, minutes, '--json'])
    expect(baseline.code, baseline.stderr).toBe(0)
    const long = measured(['detect', defaultRun, hour, '--json'])
    expect(long.code, long.stderr).toBe(0)
    const line = lastJson<JsonLine>(long.stdout)
    expect(line.audioSeconds).toBe(3600)
    const growth = long.peakMb - baseline.peakMb
    console.log(
      `one hour at 8 kHz, default CNN: peak RSS ${long.peakMb.toFixed(0)} MB (2 min: ${baseline.peakMb.toFixed(0)} MB, +${growth.toFixed(0)} MB); ` +
        `${line.seconds.toFixed(1)} s, ${(3600 / line.seconds).toFixed(0)}x real time, ${line.detections.length} detections`,
    )
    expect(growth).toBeLessThan(300)
    expect(long.peakMb).toBeLessThan(300)
  })
})
