// Files whose names or contents mislead: they import, and their audio and waveform are served.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../src/main/server/server'
import { hasFfmpeg } from '../helpers/audio-fixtures'
import { testService } from '../helpers/service'
import { tempDir } from '../helpers/temp'
import { encodeWav, tone } from '../helpers/wav-writer'

let running: RunningServer | undefined
let closeService: (() => Promise<void>) | undefined
afterEach(async () => {
  await running?.close()
  await closeService?.()
})

async function importAndServe(files: Record<string, Buffer>) {
  const t = testService()
  closeService = () => t.service.close()
  const rendererDir = join(t.dir, 'renderer')
  mkdirSync(rendererDir)
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Earmark</title>')
  const source = join(t.dir, 'audio', 'owl')
  mkdirSync(source, { recursive: true })
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(source, name), bytes)
  const job = await t.call<{ id: number }>('import:start', {
    source: join(t.dir, 'audio'),
    labelsFrom: { kind: 'folder' },
  })
  expect((await t.service.jobs.wait(job.id)).state).toBe('done')
  running = await startServer({ dispatch: t.dispatch, events: t.service.events, media: t.service.media, rendererDir })
  const get = (path: string) =>
    fetch(`http://127.0.0.1:${running?.port}${path}`, { headers: { Authorization: `Bearer ${running?.token}` } })
  const clips = t.service.catalog().db.prepare('SELECT id, name, path FROM clips ORDER BY id').all() as {
    id: number
    name: string
    path: string
  }[]
  return { get, clips, source }
}

describe('names and contents that mislead', () => {
  it('keeps a backslash in a file name (legal on Linux) in its name, and serves the file', async () => {
    const bytes = encodeWav([tone(0.5, 16000, 440)], 16000, 'pcm16')
    const { get, clips, source } = await importAndServe({ 'back\\slash.wav': bytes })
    expect(clips.map((c) => c.name)).toEqual(['back\\slash.wav'])
    expect(clips[0]?.path).toBe(join(source, 'back\\slash.wav'))
    const audio = await get(`/media/clip/${clips[0]?.id}`)
    expect(audio.status).toBe(200)
    expect(Buffer.from(await audio.arrayBuffer()).equals(bytes)).toBe(true)
    const ranged = await fetch(audio.url, {
      headers: { Authorization: `Bearer ${running?.token}`, Range: 'bytes=0-3' },
    })
    expect(ranged.status).toBe(206)
    expect(await ranged.text()).toBe('RIFF')
    expect((await get(`/media/peaks/${clips[0]?.id}`)).status).toBe(200)
  })

  it.skipIf(!hasFfmpeg)('draws the waveform of an MP3 named .wav, sniffed by content as import does', async () => {
    const dir = tempDir()
    const mp3 = join(dir, 'tone.mp3')
    // 30 s: long enough that peaks read the header and stream, rather than decode the file whole.
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=30', '-ar', '16000', mp3])
    const { get, clips } = await importAndServe({ 'liar.wav': readFileSync(mp3) })
    expect(clips).toHaveLength(1)
    const peaks = await get(`/media/peaks/${clips[0]?.id}`)
    expect(peaks.status, await peaks.clone().text()).toBe(200)
    expect(new DataView(await peaks.arrayBuffer()).getFloat64(0, true)).toBeCloseTo(30, 1)
  })
})
