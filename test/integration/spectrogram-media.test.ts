import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeSpectrogram, spectrogramQuery, type SpectrogramRequest } from '../../src/shared/spectrogram'
import { insertClip } from '../../src/main/core/catalog/clips'
import { startServer, type RunningServer } from '../../src/main/server/server'
import { testService } from '../helpers/service'
import { encodeWav, tone } from '../helpers/wav-writer'

let running: RunningServer | undefined
let closeService: (() => Promise<void>) | undefined
afterEach(async () => {
  await running?.close()
  await closeService?.()
})

const request: SpectrogramRequest = { start: 0.5, end: 1.5, cols: 100, rows: 64, nFft: 512, scale: 'mel', fmax: 8000 }

describe('the spectrogram over HTTP (serve mode)', () => {
  it('serves /media/spectrogram/<id>?… as bytes, refuses a bad query with 400, and keeps peaks working', async () => {
    const t = testService()
    closeService = () => t.service.close()
    const rendererDir = join(t.dir, 'renderer')
    mkdirSync(rendererDir)
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Earmark</title>')
    const wav = join(t.dir, 'tone.wav')
    writeFileSync(wav, encodeWav([tone(2, 16000, 1000, 0.5)], 16000, 'pcm16'))
    const id = insertClip(t.service.catalog().db, {
      path: wav,
      contentHash: 'tone',
      duration: 2,
      sampleRate: 16000,
      channels: 1,
      size: 64044,
      codec: 'PCM 16-bit',
    })
    running = await startServer({ dispatch: t.dispatch, events: t.service.events, media: t.service.media, rendererDir })
    const get = (path: string) =>
      fetch(`http://127.0.0.1:${running?.port}${path}`, { headers: { Authorization: `Bearer ${running?.token}` } })

    const ok = await get(`/media/spectrogram/${id}?${spectrogramQuery(request)}`)
    expect(ok.status).toBe(200)
    const image = decodeSpectrogram(await ok.arrayBuffer())
    expect(image).toMatchObject({ cols: 100, rows: 64, scale: 'mel', nFft: 512, sampleRate: 16000 })
    expect(image.start).toBeCloseTo(0.5)
    expect(image.end).toBeCloseTo(1.5)

    const bad = await get(`/media/spectrogram/${id}?${spectrogramQuery({ ...request, cols: 0 })}`)
    expect(bad.status).toBe(400)
    expect(await bad.text()).toMatch(/cols/)
    expect((await get(`/media/spectrogram/${id}`)).status).toBe(400)
    expect((await get(`/media/spectrogram/${id + 1}?${spectrogramQuery(request)}`)).status).toBe(404)
    // Without the token: refused, like every other route.
    expect(
      (await fetch(`http://127.0.0.1:${running.port}/media/spectrogram/${id}?${spectrogramQuery(request)}`)).status,
    ).toBe(401)

    const peaks = await get(`/media/peaks/${id}`)
    expect(peaks.status).toBe(200)
    expect(new DataView(await peaks.arrayBuffer()).getFloat64(0, true)).toBeCloseTo(2)
  })
})
