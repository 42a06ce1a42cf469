import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type Socket } from 'node:net'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_INPUT_BYTES } from '../../src/shared/contract'
import { startServer, type RunningServer, type ServeLimits } from '../../src/main/server/server'
import { testService } from '../helpers/service'
import { rawRequest } from '../helpers/http'

let running: RunningServer | undefined
let closeService: (() => Promise<void>) | undefined
afterEach(async () => {
  await running?.close()
  await closeService?.()
})

async function serve(limits: Partial<ServeLimits> = {}) {
  const t = testService()
  closeService = () => t.service.close()
  // A minimal renderer stands in for the built one: these tests are about the transport.
  const rendererDir = join(t.dir, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Earmark</title>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
  running = await startServer({
    dispatch: t.dispatch,
    events: t.service.events,
    media: t.service.media,
    rendererDir,
    limits,
  })
  const { port, token } = running
  const host = `127.0.0.1:${port}`
  return { ...t, port, token, host, server: running }
}

describe('serve mode', () => {
  it('prints a loopback URL that carries the token', async () => {
    const { server } = await serve()
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=${server.token}$`))
  })

  it('refuses requests without the token with 401, on pages, assets and the API', async () => {
    const { port, host } = await serve()
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/assets/app.js'],
      ['POST', '/api/project:get'],
      ['GET', '/api/events'],
    ] as const) {
      const res = await rawRequest(port, { method, path, headers: { Host: host } })
      expect(res.status, `${method} ${path}`).toBe(401)
    }
    const wrong = await rawRequest(port, { path: '/?token=wrong', headers: { Host: host } })
    expect(wrong.status).toBe(401)
  })

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    const { port, token } = await serve()
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost:${port + 1}`]) {
      const res = await rawRequest(port, { path: `/?token=${token}`, headers: { Host: host } })
      expect(res.status, host).toBe(403)
    }
  })

  it('trades the URL token for an HttpOnly same-site cookie, then serves the page with a CSP', async () => {
    const { port, token, host } = await serve()
    const first = await rawRequest(port, { path: `/?token=${token}`, headers: { Host: host } })
    expect(first.status).toBe(303)
    expect(first.headers['location']).toBe('/')
    const cookie = String(first.headers['set-cookie'])
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const page = await rawRequest(port, { path: '/', headers: { Host: host, Cookie: cookie.split(';')[0]! } })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Earmark</title>')
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
    const asset = await rawRequest(port, {
      path: '/assets/app.js',
      headers: { Host: host, Cookie: cookie.split(';')[0]! },
    })
    expect(asset.status).toBe(200)
  })

  it('carries API calls and their errors, with matching HTTP status codes', async () => {
    const { port, token, host } = await serve()
    const post = (method: string, body: unknown, extra: Record<string, string> = {}) =>
      rawRequest(port, {
        method: 'POST',
        path: `/api/${method}`,
        headers: { Host: host, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...extra },
        body: JSON.stringify(body),
      })
    const added = await post('classes:add', { name: 'owl' })
    expect(added.status).toBe(200)
    expect(JSON.parse(added.body)).toMatchObject({ ok: true, value: { name: 'owl' } })

    const invalid = await post('classes:add', { name: 7 })
    expect(invalid.status).toBe(400)
    expect(JSON.parse(invalid.body)).toMatchObject({ ok: false, error: { code: 'invalid-input' } })

    const unknown = await post('classes:explode', {})
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown-method' } })

    const huge = await post('classes:add', { name: 'x', pad: 'y'.repeat(MAX_INPUT_BYTES + 2048) })
    expect(huge.status).toBe(413)
    expect(JSON.parse(huge.body)).toMatchObject({ ok: false, error: { code: 'payload-too-large' } })

    const crossSite = await post('classes:add', { name: 'csrf' }, { Origin: 'http://evil.example' })
    expect(crossSite.status).toBe(403)

    const listed = JSON.parse((await post('classes:list', {})).body) as { value: { name: string }[] }
    expect(listed.value.map((c) => c.name)).toEqual(['owl'])
  })

  it('streams events over a WebSocket that needs the token', async () => {
    const { port, token, dispatch } = await serve()
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`)
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
    })
    expect(refused).toBe(401)

    const foreign = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events?token=${token}`, {
        headers: { Host: 'evil.example' },
      })
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
    })
    expect(foreign).toBe(403)

    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events?token=${token}`)
    await new Promise((resolve, reject) => {
      ws.on('open', resolve)
      ws.on('error', reject)
    })
    const message = new Promise<{ event: string; payload: { name: string } }>((resolve) =>
      ws.once('message', (data) => resolve(JSON.parse(String(data)))),
    )
    await dispatch('project:rename', { name: 'Renamed' })
    expect(await message).toMatchObject({ event: 'project:changed', payload: { name: 'Renamed' } })
    ws.close()
  })

  it('serves the studio while idle connections fill every place, dropping the strangers instead', async () => {
    const { port, token, host } = await serve({ maxConnections: 20 })
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket))
        socket.on('error', reject)
      })
    // The studio's own connection, kept alive, has shown the token once.
    const studio = await open()
    const ask = (socket: Socket) =>
      new Promise<string>((resolve) => {
        socket.once('data', (d) => resolve(String(d)))
        socket.write(
          `POST /api/project:get HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
        )
      })
    expect(await ask(studio)).toMatch(/^HTTP\/1\.1 200/)
    const idle = await Promise.all(Array.from({ length: 40 }, open))
    try {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const started = Date.now()
      const res = await rawRequest(port, {
        method: 'POST',
        path: '/api/project:get',
        headers: { Host: host, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{}',
      })
      expect(res.status).toBe(200)
      expect(Date.now() - started).toBeLessThan(1000)
      expect(studio.destroyed).toBe(false)
      expect(idle.filter((s) => s.destroyed || s.readableEnded).length).toBeGreaterThanOrEqual(20)
    } finally {
      for (const s of [studio, ...idle]) s.destroy()
    }
  })
})
