// `earmark import --copy` killed with SIGKILL while it copies (reliability target D1 for the copies
// beside the catalog): no copy is ever truncated under its real name, what an interrupted import
// copied is reused or removed by the next one, and a re-import copies nothing twice.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { projectAudioFolder } from '../../src/main/core/import/copy'
import { assertBuilt, ROOT, runEarmark } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { encodeWav, tone } from '../helpers/wav-writer'

/** Kills here; EARMARK_KILLS multiplies them for the long run. */
const KILLS = 4 * Number(process.env['EARMARK_KILLS'] ?? 1)

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Copies under their own names: not hidden, as journals and partial copies are. */
const isCopy = (path: string) => !basename(path).startsWith('.')

/** Every file under a folder, hidden ones (journals, partial copies) included. */
function filesUnder(dir: string): string[] {
  const found: string[] = []
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(at, entry.name))
      else found.push(join(at, entry.name))
    }
  }
  try {
    walk(dir)
  } catch {
    // not made yet
  }
  return found
}

describe('D1 kill -9 during import --copy', () => {
  it(`leaves no partial or orphan copies, and a re-import copies nothing twice (${KILLS} kills)`, async () => {
    assertBuilt()
    const dir = tempDir()
    const source = join(dir, 'source')
    const sources = new Map<string, string>() // content hash → source path
    const write = (path: string, i: number) => {
      // 1 s of 16 kHz audio each, distinct content: one sample differs.
      const samples = tone(1, 16000, 440)
      samples[0] = i / 10_000
      const bytes = encodeWav([samples], 16000)
      mkdirSync(join(path, '..'), { recursive: true })
      writeFileSync(path, bytes)
      sources.set(sha256(bytes), path)
    }
    const total = 1200
    for (let i = 0; i < total; i++) write(join(source, `c${i % 3}`, `${i}.wav`), i)
    // A different file of the same name and label: its copy takes a hash-suffixed name, once.
    write(join(source, 'c0', 'same.wav'), total)
    write(join(source, 'more', 'c0', 'same.wav'), total + 1)
    const project = join(dir, 'copy.earmark')
    expect(runEarmark(['init', project]).code).toBe(0)
    const audio = projectAudioFolder(project)

    let kills = 0
    let orphansSeen = 0
    for (let trial = 0; trial < KILLS; trial++) {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'earmark.js'), 'import', project, source, '--copy'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      )
      // Wait for the copying to begin, then kill at a random moment of it (the whole import takes
      // a few seconds, so each kill lands while it copies).
      const deadline = Date.now() + 30_000
      const before = filesUnder(audio).filter(isCopy).length
      while (child.exitCode === null && filesUnder(audio).filter(isCopy).length <= before && Date.now() < deadline) {
        await sleep(20)
      }
      await sleep(Math.random() * 400)
      if (child.exitCode !== null) {
        // The import ran to its end before a kill: the rest of the test goes on from there.
        expect(child.exitCode, stderr).toBe(0)
        break
      }
      child.kill('SIGKILL')
      if ((await exited) === 'SIGKILL') kills++
      // Whatever the moment of the kill, a file under a copy's own name is a whole copy of a source.
      const db = new Database(project, { readonly: true })
      const recorded = db.prepare('SELECT count(*) FROM clips').pluck().get() as number
      db.close()
      const copies = filesUnder(audio).filter(isCopy)
      for (const copy of copies) expect(sources.has(sha256(readFileSync(copy))), relative(audio, copy)).toBe(true)
      orphansSeen += Math.max(0, copies.length - recorded)
    }
    expect(kills, 'kills that landed while the import was copying').toBeGreaterThan(0)

    const last = runEarmark(['import', project, source, '--copy', '--json'])
    expect(last.code, last.stderr).toBe(0)
    const again = runEarmark(['import', project, source, '--copy', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout.trim().split('\n').pop() as string)).toMatchObject({ added: 0 })

    const db = new Database(project, { readonly: true })
    const clips = db.prepare('SELECT path, content_hash AS hash FROM clips').all() as { path: string; hash: string }[]
    db.close()
    expect(clips).toHaveLength(total + 2)
    const files = filesUnder(audio)
    // One file per clip: no orphans, no partial copies, no journals, nothing copied twice.
    const recorded = new Set(clips.map((c) => c.path))
    expect(
      files.filter((f) => !recorded.has(f)).map((f) => relative(audio, f)),
      'files in the audio folder that no clip records',
    ).toEqual([])
    expect(files).toHaveLength(clips.length)
    for (const clip of clips) expect(sha256(readFileSync(clip.path))).toBe(clip.hash)
    expect(files.filter((f) => /-[0-9a-f]{8}\.wav$/.test(f)).map((f) => relative(audio, f))).toEqual([
      expect.stringMatching(/^c0\/same-[0-9a-f]{8}\.wav$/),
    ])
    console.info(`D1: ${kills} kills during import --copy, ${orphansSeen} unrecorded copies seen after them`)
  }, 300_000)
})
