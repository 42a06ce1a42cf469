import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ClipPage, ImportPreview, ImportSummary } from '../../src/shared/domain'
import { hasFfmpeg, makeAudioFixtures } from '../helpers/audio-fixtures'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { testService } from '../helpers/service'
import { tempDir } from '../helpers/temp'

beforeAll(assertBuilt)

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T
}

describe('importing a folder of every supported encoding and of broken files', () => {
  it('the CLI imports every good file, reports each bad one with its reason, and loses nothing on re-import', () => {
    const fixtures = makeAudioFixtures(join(tempDir(), 'audio'))
    const project = join(tempDir(), 'p.earmark')
    expect(runEarmark(['init', project]).code).toBe(0)
    const good = Object.values(fixtures.good).flat()

    const run = runEarmark(['import', project, fixtures.root, '--labels-from', 'folder', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const summary = lastJson<ImportSummary>(run.stdout)
    expect(summary.added).toBe(good.length)
    expect(summary.failed.map((f) => f.path).sort()).toEqual(Object.keys(fixtures.bad).sort())
    for (const { path, reason } of summary.failed) expect(reason, path).toMatch(fixtures.bad[path]!)
    expect(summary.warnings).toEqual([
      { path: Object.keys(fixtures.warned)[0], reason: expect.stringMatching(/truncated/) },
    ])
    expect(summary.classes).toEqual(expect.arrayContaining(['high', 'low']))

    const again = lastJson<ImportSummary>(
      runEarmark(['import', project, fixtures.root, '--labels-from', 'folder', '--json']).stdout,
    )
    expect(again).toMatchObject({ added: 0, duplicates: good.length })

    const info = lastJson<{ clipCount: number; labeledClipCount: number }>(
      runEarmark(['info', project, '--json']).stdout,
    )
    expect(info).toMatchObject({ clipCount: good.length, labeledClipCount: good.length })
  })

  it('the human summary names the bad files and says why', () => {
    const fixtures = makeAudioFixtures(join(tempDir(), 'audio'))
    const project = join(tempDir(), 'p.earmark')
    runEarmark(['init', project])
    const run = runEarmark(['import', project, fixtures.root])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Could not import \d+ files:/)
    expect(run.stdout).toContain('empty.wav: empty file (0 bytes)')
    expect(run.stdout).toContain('notes.wav: not audio: the file is text')
    expect(run.stdout).toMatch(/truncated\.wav: truncated: the header promises 1\.00 s/)
  })

  it('a folder with nothing importable exits 1 and says so', () => {
    const fixtures = makeAudioFixtures(join(tempDir(), 'audio'))
    const project = join(tempDir(), 'p.earmark')
    runEarmark(['init', project])
    const run = runEarmark(['import', project, join(fixtures.root, 'bad'), '--json'])
    expect(run.code).toBe(1)
    expect(lastJson<ImportSummary>(run.stdout).added).toBe(0)
  })

  it('through the API: preview first, then an import whose clips carry codec, rate and channels', async () => {
    const fixtures = makeAudioFixtures(join(tempDir(), 'audio'))
    const { service, dispatch } = testService()
    try {
      const preview = await dispatch('import:preview', { source: fixtures.root, labelsFrom: { kind: 'folder' } })
      if (!preview.ok) throw new Error(preview.error.message)
      const p = preview.value as ImportPreview
      const total = Object.values(fixtures.good).flat().length + Object.keys(fixtures.bad).length
      // The empty file and the text file are named by the preview, not counted; the rest of the
      // bad files need decoding to be found out, which the import does.
      expect(p.total).toBe(total - 2)
      expect(p.problems.map((problem) => problem.reason).sort()).toEqual([
        'empty file (0 bytes)',
        'not audio: the file is text',
      ])
      expect(p.classes.map((c) => c.name).sort()).toEqual(['bad', 'high', 'low'])
      expect(service.catalog().db.prepare('SELECT COUNT(*) FROM clips').pluck().get()).toBe(0)

      const job = await dispatch('import:start', { source: fixtures.root, labelsFrom: { kind: 'folder' } })
      if (!job.ok) throw new Error(job.error.message)
      expect((await service.jobs.wait((job.value as { id: number }).id)).state).toBe('done')
      const page = await dispatch('clips:query', { filter: { search: 'café' } })
      if (!page.ok) throw new Error(page.error.message)
      const [clip] = (page.value as ClipPage).rows
      expect(clip).toMatchObject({ name: 'tone café 1.wav', sampleRate: 16000, channels: 1 })
      expect(clip?.duration).toBeCloseTo(0.5, 6)
      const six = service
        .catalog()
        .db.prepare("SELECT codec, channels FROM clips WHERE name = 'six-channels.wav'")
        .get()
      expect(six).toEqual({ codec: 'PCM 24-bit', channels: 6 })
      if (hasFfmpeg) {
        const codecs = service
          .catalog()
          .db.prepare("SELECT codec FROM clips WHERE name LIKE 'tone.%' ORDER BY codec")
          .pluck()
          .all()
        expect(codecs).toEqual(['FLAC', 'MP3', 'Opus', 'Vorbis'])
      }
    } finally {
      await service.close()
    }
  })
})
