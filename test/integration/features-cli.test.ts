import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadAudio, resample, toMono } from '../../src/main/core/audio'
import {
  extractFeatures,
  logmelAndMfcc,
  resolveFeatureConfig,
  summaryVector,
  type FeatureConfigInput,
} from '../../src/main/core/features'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { FSDD } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { encodeWav, tone } from '../helpers/wav-writer'

beforeAll(assertBuilt)

const CONFIG: FeatureConfigInput = {
  sampleRate: 16000,
  nFft: 512,
  hop: 128,
  nMels: 40,
  nMfcc: 13,
  features: ['mfcc', 'zcr'],
}

describe('earmark features', () => {
  it('computes a feature set for a project with --set and writes the summary matrix with --summary --csv', async () => {
    const dir = tempDir()
    const data = join(dir, 'data')
    const files: { path: string; label: string }[] = []
    for (const [label, frequency] of [
      ['high', 1760],
      ['low', 220],
    ] as const) {
      mkdirSync(join(data, label), { recursive: true })
      for (let i = 0; i < 3; i++) {
        const path = join(data, label, `take ${i}, ${label}.wav`)
        // 22.05 kHz stereo: the set's configuration resamples to 16 kHz and mixes down.
        writeFileSync(
          path,
          encodeWav(
            [tone(0.4 + 0.1 * i, 22050, frequency, 0.4), tone(0.4 + 0.1 * i, 22050, frequency * 1.5, 0.2)],
            22050,
          ),
        )
        files.push({ path, label })
      }
    }
    const project = join(dir, 'p.earmark')
    expect(runEarmark(['init', project]).code).toBe(0)
    const imported = runEarmark(['import', project, data, '--json'])
    expect(imported.code, imported.stderr).toBe(0)

    const csv = join(dir, 'summary.csv')
    const pipeline = JSON.stringify([{ step: 'normalize', mode: 'peak' }])
    const run = runEarmark([
      'features',
      project,
      '--set',
      'mfcc13',
      '--config',
      JSON.stringify(CONFIG),
      '--pipeline',
      pipeline,
      '--summary',
      '--csv',
      csv,
      '--json',
    ])
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const result = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(result).toMatchObject({
      computed: 6,
      cached: 0,
      rows: 6,
      failed: [],
      csv: { path: csv, rows: 6, columns: 13 * 4 + 4 },
    })
    expect((result['set'] as { name: string; paramsHash: string }).paramsHash).toMatch(/^[0-9a-f]{16}$/)

    const rows = parse(readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(rows).toHaveLength(6)
    expect(Object.keys(rows[0]!).slice(0, 5)).toEqual(['path', 'label', 'split', 'mfcc_0_mean', 'mfcc_0_std'])
    expect(Object.keys(rows[0]!)).toContain('mfcc_3_mean')
    expect(Object.keys(rows[0]!).at(-1)).toBe('zcr_max')
    expect(rows.map((r) => r['path']).sort()).toEqual(files.map((f) => f.path).sort())

    // The CSV holds what the features module computes for the preprocessed clip, to the last digit.
    {
      const c = resolveFeatureConfig(CONFIG)
      for (const file of files) {
        const row = rows.find((r) => r['path'] === file.path)!
        expect(row['label']).toBe(file.label)
        // normalize (one gain for both channels, from the louder), then mono and 16 kHz, as the set does.
        const { channels } = await loadAudio(file.path)
        const peak = channels.reduce((m, c) => c.reduce((n, v) => Math.max(n, Math.abs(v)), m), 0)
        const normalised = toMono(channels.map((c) => c.map((v) => v * (1 / peak))))
        const samples = await resample(normalised, 22050, 16000)
        const expected = summaryVector(extractFeatures(samples, 16000, c), c)
        expected.names.forEach((name, j) => expect(Number(row[name])).toBe(expected.values[j]))
      }

      // Again: everything comes from the cache.
      const again = runEarmark(['features', project, '--set', 'mfcc13', '--json'])
      expect(again.code, again.stderr).toBe(0)
      expect(JSON.parse(again.stdout)).toMatchObject({ computed: 0, cached: 6, rows: 6 })
      // A changed statistic: only summaries are recomputed (the clips count as computed, no audio needed).
      const stats = runEarmark([
        'features',
        project,
        '--set',
        'mfcc13',
        '--config',
        JSON.stringify({ ...CONFIG, stats: ['mean'] }),
        '--json',
      ])
      expect(stats.code, stats.stderr).toBe(0)
      expect(JSON.parse(stats.stdout)).toMatchObject({ computed: 6, cached: 0 })
    }
  })

  it('refuses a bad configuration with exit 2 and a message naming the field', () => {
    const project = join(tempDir(), 'p.earmark')
    expect(runEarmark(['init', project]).code).toBe(0)
    const bad = runEarmark(['features', project, '--set', 'x', '--config', '{"nMels": 0}'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/nMels/)
    const notJson = runEarmark(['features', project, '--set', 'x', '--config', '{nope'])
    expect(notJson.code).toBe(2)
  })

  it(`prints one file's log-mel and MFCC as librosa computes them (fsdd-dev)`, async () => {
    const file = join(FSDD, '3_jackson_7.wav')
    const run = runEarmark([
      'features',
      file,
      '--n-fft',
      '512',
      '--hop',
      '128',
      '--n-mels',
      '40',
      '--n-mfcc',
      '13',
      '--json',
    ])
    expect(run.code, run.stderr).toBe(0)
    const printed = JSON.parse(run.stdout) as { sampleRate: number; logmel: number[][]; mfcc: number[][] }
    const audio = await loadAudio(file, { mono: true })
    const expected = logmelAndMfcc(audio.channels[0]!, audio.sampleRate, {
      nFft: 512,
      hop: 128,
      nMels: 40,
      nMfcc: 13,
    })
    expect(printed.sampleRate).toBe(8000)
    expect(printed.logmel).toHaveLength(40)
    expect(printed.mfcc).toHaveLength(13)
    expect(printed).toEqual(JSON.parse(JSON.stringify(expected)))
  })
})
