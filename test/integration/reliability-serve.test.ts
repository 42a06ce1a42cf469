// Reliability targets S1-S8 (docs/reliability.md): real HTTP requests and
// WebSocket upgrades against a started `earmark serve`, the built CLI in its own process.
import type { ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { apiMethods } from '../../src/shared/contract'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { rawRequest } from '../helpers/http'
import { encodeWav, tone } from '../helpers/wav-writer'

let dir: string
let child: ChildProcess
let port: number
let token: string
let host: string
let output: { out: string; err: string }
/** Hostile requests sent and refused, for docs/reliability.md's table. */
let refused = 0

beforeAll(async () => {
  assertBuilt()
  dir = mkdtempSync(join(tmpdir(), 'earmark-serve-rel-'))
  const project = join(dir, 'p.earmark')
  const audio = join(dir, 'audio', 'owl')
  mkdirSync(audio, { recursive: true })
  writeFileSync(join(audio, 'one.wav'), encodeWav([tone(0.2, 8000)], 8000))
  // WAV bytes under an MP3 name: imported by content, served by content.
  writeFileSync(join(audio, 'two.mp3'), encodeWav([tone(0.2, 8000, 220)], 8000))
  for (const args of [
    ['init', project],
    ['import', project, join(dir, 'audio')],
  ]) {
    const run = runEarmark(args)
    expect(run.code, `earmark ${args.join(' ')}: ${run.stderr}`).toBe(0)
  }
  const started = await startServe([project])
  child = started.child
  output = started.output
  const url = new URL(started.url)
  port = Number(url.port)
  token = url.searchParams.get('token') ?? ''
  host = `127.0.0.1:${port}`
}, 60_000)

// The summary speaks for the whole file, so it is printed only when every test in it passed.
let failed = false
beforeEach(({ onTestFailed }) =>
  onTestFailed(() => {
    failed = true
  }),
)

afterAll(async () => {
  if (!failed) console.info(`S: ${refused} unauthorised, foreign-host, cross-site or traversal requests, 0 served`)
  if (child) await stopServe(child)
  rmSync(dir, { recursive: true, force: true })
})

const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  rawRequest(port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { Host: host, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
const bearer = () => ({ Authorization: `Bearer ${token}` })

/** Resolves to the HTTP status of a WebSocket upgrade (101 when it opened). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', (error) => (error.message.includes('Unexpected server response') ? undefined : reject(error)))
  })
}

async function classNames(): Promise<string[]> {
  const res = await api('classes:list', {}, bearer())
  return (JSON.parse(res.body) as { value: { name: string }[] }).value.map((c) => c.name)
}

/** Opens a raw TCP connection to the server. */
function tcp(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.on('error', reject)
  })
}

/** Resolves with the milliseconds until the server closes the socket (or rejects after `limitMs`). */
function closedWithin(socket: Socket, limitMs: number): Promise<number> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(0)
    const timer = setTimeout(() => reject(new Error(`still open after ${limitMs} ms`)), limitMs)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Date.now() - start)
    })
    socket.on('error', () => undefined)
  })
}

describe('S1 bind address', () => {
  it('listens on 127.0.0.1 only by default: the port is closed on other local addresses', async () => {
    const reached = await new Promise<boolean>((resolve) => {
      // 127.0.0.2 is loopback too, but not the address the server bound.
      const socket = connect(port, '127.0.0.2', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    expect(reached).toBe(false)
  })

  it('listens on every interface only with an explicit --host, and warns when it does', async () => {
    const project = join(dir, 'p.earmark')
    const open = await startServe([project, '--host', '0.0.0.0'])
    try {
      const openPort = Number(new URL(open.url).port)
      // Reachable on another local address now; IP literals pass the Host check, names do not.
      const viaOther = await new Promise<number>((resolve, reject) => {
        const socket = connect(openPort, '127.0.0.2', () => {
          socket.write(`GET /api/nothing HTTP/1.1\r\nHost: 127.0.0.2:${openPort}\r\nConnection: close\r\n\r\n`)
        })
        let text = ''
        socket.on('data', (d) => (text += d.toString()))
        socket.on('end', () => resolve(Number(/HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)))
        socket.on('error', reject)
      })
      expect(viaOther).toBe(401) // reached the server, stopped at the token
      const named = await rawRequest(openPort, { headers: { Host: `evil.example:${openPort}` } })
      expect(named.status).toBe(403)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(open.output.err).toMatch(/warning: listening on 0\.0\.0\.0/)
    } finally {
      await stopServe(open.child)
    }
  })

  it('refuses a --host that is not an address', () => {
    const run = runEarmark(['serve', join(dir, 'p.earmark'), '--host', 'evil.example'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/must be an IP address/)
  })
})

describe('S2 token', () => {
  it('answers 401 with no token, a wrong token and a wrong-length token, on every route', async () => {
    const wrongSame = token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))
    const variants: Record<string, string>[] = [
      {},
      { Authorization: `Bearer ${wrongSame}` },
      { Authorization: `Bearer ${token}x` },
      { Authorization: `Bearer ${token.slice(0, -1)}` },
      { Authorization: 'Bearer ' },
      { Authorization: token }, // not a bearer scheme
      { Cookie: `earmark-token-${port}=${wrongSame}` },
      { Cookie: `earmark-token-${port}=%E0%A4%A` }, // malformed escape: 401, not 500
      { Cookie: `earmark-token-${port + 1}=${token}` }, // another port's cookie
    ]
    for (const headers of variants) {
      for (const [method, path] of [
        ['GET', '/'],
        ['GET', '/index.html'],
        ['GET', '/media/clip/1'],
        ['POST', '/api/classes:add'],
        ['GET', '/api/events'],
      ] as const) {
        const res = await rawRequest(port, {
          method,
          path,
          headers: { Host: host, 'Content-Type': 'application/json', ...headers },
          ...(method === 'POST' ? { body: '{"name":"intruder"}' } : {}),
        })
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401)
        refused++
        expect(res.body).not.toContain(token)
      }
    }
    expect(await classNames()).not.toContain('intruder')
  })

  it('never shows the token in error pages or logs', async () => {
    const pages = [
      await rawRequest(port, { path: `/no/such/page?token=${token}`, headers: { Host: host } }),
      await api('no:such-method', {}, bearer()),
      await api('classes:add', { name: 7 }, bearer()),
      await rawRequest(port, {
        method: 'POST',
        path: `/api/classes:add?token=${token}`,
        headers: { Host: host, 'Content-Type': 'application/json' },
        body: '{not json',
      }),
      await rawRequest(port, { path: `/media/clip/999999?token=${token}`, headers: { Host: host } }),
    ]
    for (const page of pages) {
      expect(page.status).toBeGreaterThanOrEqual(400)
      expect(page.body).not.toContain(token)
    }
    // The URL is printed once, for the user to open; nothing else the server writes repeats it.
    expect(output.out.split(token).length - 1).toBe(1)
    expect(output.err).not.toContain(token)
  })
})

describe('S3 Host header (DNS rebinding)', () => {
  it('refuses foreign names with 403 before looking at the token', async () => {
    for (const bad of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `localhost.evil:${port}`,
      `localhost:${port}.evil.example`,
      `127.0.0.1:${port + 1}`,
      `0.0.0.0:${port}`,
    ]) {
      const withToken = await rawRequest(port, { path: '/api/events', headers: { Host: bad, ...bearer() } })
      expect(withToken.status, bad).toBe(403)
      // Refused before auth: without a token the answer is still 403, not 401.
      const without = await rawRequest(port, { path: '/', headers: { Host: bad } })
      expect(without.status, bad).toBe(403)
      expect(await upgradeStatus(`ws://127.0.0.1:${port}/api/events?token=${token}`, { Host: bad })).toBe(403)
      refused += 3
    }
  })

  it('accepts localhost, 127.0.0.1 and [::1] with our port', async () => {
    for (const good of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const res = await rawRequest(port, {
        method: 'POST',
        path: '/api/project:get',
        headers: { Host: good, ...bearer(), 'Content-Type': 'application/json' },
        body: '{}',
      })
      expect(res.status, good).toBe(200)
    }
  })
})

describe('S4 cross-site requests', () => {
  const cookie = () => ({ Cookie: `earmark-token-${port}=${token}` })

  it('sets the cookie HttpOnly and SameSite=Strict', async () => {
    const first = await rawRequest(port, { path: `/?token=${token}`, headers: { Host: host } })
    expect(first.status).toBe(303)
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly/)
    expect(String(first.headers['set-cookie'])).toMatch(/SameSite=Strict/)
  })

  it('refuses cookie-authorised writes from a foreign Origin or without any Origin (XSRF)', async () => {
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `http://localhost:${port}`]) {
      const res = await api('classes:add', { name: 'csrf' }, { ...cookie(), Origin: origin })
      expect(res.status, origin).toBe(403)
      refused++
    }
    const noOrigin = await api('classes:add', { name: 'csrf' }, cookie())
    expect(noOrigin.status).toBe(403)
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await rawRequest(port, {
        method,
        path: '/api/classes:add',
        // An explicit length: Node's client sends a DELETE body without one, and the server would
        // read those bytes as the next request on the kept-alive socket.
        headers: { Host: host, ...cookie(), 'Content-Type': 'application/json', 'Content-Length': '15' },
        body: '{"name":"csrf"}',
      })
      expect(res.status, `${method}: ${res.body}`).toBe(403)
      refused++
    }
    // The studio page's own requests carry our Origin and pass.
    const same = await api('classes:add', { name: 'same-origin' }, { ...cookie(), Origin: `http://${host}` })
    expect(same.status).toBe(200)
    expect(await classNames()).not.toContain('csrf')
  })

  it('refuses WebSocket upgrades from a foreign Origin or, on the cookie alone, without one', async () => {
    const url = `ws://127.0.0.1:${port}/api/events`
    expect(await upgradeStatus(`${url}?token=${token}`, { Origin: 'https://evil.example' })).toBe(403)
    expect(await upgradeStatus(url, { ...cookie(), Origin: 'https://evil.example' })).toBe(403)
    expect(await upgradeStatus(url, cookie())).toBe(403)
    expect(await upgradeStatus(url, { ...cookie(), Origin: `http://${host}` })).toBe(101)
  })

  it('never changes anything on GET: API methods answer only POST', async () => {
    const before = await classNames()
    for (const method of Object.keys(apiMethods)) {
      const res = await rawRequest(port, {
        path: `/api/${method}?name=viaget&id=1&clipId=1&classId=1`,
        headers: { Host: host, ...bearer() },
      })
      expect(res.status, method).toBe(404)
    }
    expect(await classNames()).toEqual(before)
  })
})

describe('S5 media paths', () => {
  it('serves audio only by clip id, with nosniff and the type of the catalogued codec', async () => {
    const res = await rawRequest(port, { path: '/media/clip/1', headers: { Host: host, ...bearer() } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('audio/wav')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    const liar = await rawRequest(port, { path: '/media/clip/2', headers: { Host: host, ...bearer() } })
    expect(liar.status).toBe(200)
    expect(liar.headers['content-type']).toBe('audio/wav') // named .mp3, holds WAV
  })

  it('answers traversal, encoded traversal, absolute paths and NUL with 400, 403 or 404', async () => {
    const attempts = [
      '/media/clip/../../../etc/passwd',
      '/media/../../../etc/passwd',
      '/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/media/clip/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/media/clip/..%5c..%5cetc%5cpasswd',
      '/media//etc/passwd',
      '/media/%2fetc%2fpasswd',
      '/media/clip/1%00.wav',
      '/media/clip/1%00',
      '/media/clip/%00',
      '/media/clip/-1',
      '/media/clip/1e3',
      '/media/clip/99999999999999999999',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/assets/..%2f..%2f..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/api/clips/../../../etc/passwd',
      `/media/clip/${encodeURIComponent(join(dir, 'audio', 'owl', 'one.wav'))}`,
    ]
    for (const path of attempts) {
      const res = await rawRequest(port, { path, headers: { Host: host, ...bearer() } })
      expect([400, 403, 404], `${path} → ${res.status}`).toContain(res.status)
      refused++
      expect(res.body).not.toMatch(/root:|"name": "earmark"|RIFF/)
    }
  })
})

describe('S6 no URL fetching', () => {
  let bait: Server
  let hits = 0
  beforeAll(async () => {
    bait = createServer((_req, res) => {
      hits++
      res.end('not audio')
    })
    await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => new Promise<void>((resolve) => bait.close(() => resolve())))

  it('treats URLs given as import sources or project paths as names, never fetching them', async () => {
    const address = bait.address()
    const baitPort = typeof address === 'object' && address ? address.port : 0
    const urls = [
      `http://127.0.0.1:${baitPort}/clips`,
      `http://[::ffff:127.0.0.1]:${baitPort}/`,
      'http://169.254.169.254/latest/meta-data/',
      `file:///etc/passwd`,
    ]
    for (const url of urls) {
      for (const [method, input] of [
        ['import:preview', { source: url }],
        ['import:start', { source: url }],
        ['project:open', { path: url }],
        ['labels:import', { format: 'csv', paths: [url] }],
      ] as const) {
        const res = await api(method, input, bearer())
        expect(res.status, `${method} ${url}`).toBeGreaterThanOrEqual(400)
        expect(res.status).toBeLessThan(500)
        refused++
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(hits).toBe(0)
    // And no schema field is a URL the server would follow.
    const schemas = JSON.stringify(Object.keys(apiMethods))
    expect(schemas).not.toMatch(/url|fetch|download/i)
  })
})

describe('S7 redirects', () => {
  it('redirects only to its own root, whatever next= or path says', async () => {
    for (const path of [
      `/?token=${token}&next=https://evil.example`,
      `/?token=${token}&next=//evil.example`,
      `/?token=${token}&next=/\\evil.example`,
      `/login?next=https://evil.example&token=${token}`,
      `//evil.example/?token=${token}`,
      `/\\evil.example/?token=${token}`,
      `/%2f%2fevil.example?token=${token}`,
    ]) {
      const res = await rawRequest(port, { path, headers: { Host: host } })
      if (res.status >= 300 && res.status < 400) expect(res.headers['location'], path).toBe('/')
      else expect([200, 400, 403, 404], `${path} → ${res.status}`).toContain(res.status)
    }
  })
})

describe('S8 limits and timeouts', () => {
  it('refuses a 1 GB body from its Content-Length, without reading it', async () => {
    const socket = await tcp()
    const started = Date.now()
    socket.write(
      `POST /api/classes:add HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{"name":"',
    )
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (d) => {
        text += d.toString()
        if (text.includes('\r\n\r\n')) resolve(text)
      })
      socket.on('close', () => resolve(text))
    })
    expect(answer).toMatch(/^HTTP\/1\.1 413/)
    expect(Date.now() - started).toBeLessThan(2000)
    socket.destroy()
  })

  it('stops a chunked body that grows past the limit', async () => {
    const socket = await tcp()
    socket.write(
      `POST /api/classes:add HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    const chunk = 'x'.repeat(256 * 1024)
    let status = ''
    socket.on('data', (d) => (status ||= /^HTTP\/1\.1 (\d+)/.exec(d.toString())?.[1] ?? ''))
    socket.on('error', () => undefined)
    let sent = 0
    while (!status && sent < 16 * 1024 * 1024 && !socket.destroyed) {
      socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
      sent += chunk.length
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(status).toBe('413')
    expect(sent).toBeLessThan(8 * 1024 * 1024)
    socket.destroy()
  })

  it('drops slow-loris connections and idle ones, and keeps answering meanwhile', async () => {
    // 300 connections that never finish their headers: the fd limit of a CI runner, not 10 000.
    const idle = await Promise.all(Array.from({ length: 300 }, () => tcp()))
    const slow = await tcp()
    slow.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n`)
    const drip = setInterval(() => slow.writable && slow.write('X-Drip: 1\r\n'), 500)
    try {
      const started = Date.now()
      const res = await api('project:get', {}, bearer())
      expect(res.status).toBe(200)
      expect(Date.now() - started).toBeLessThan(1000)
      // The header deadline (5 s, checked every second) closes them all, however they drip.
      const times = await Promise.all([slow, ...idle].map((s) => closedWithin(s, 9000)))
      expect(Math.max(...times)).toBeLessThan(9000)
    } finally {
      clearInterval(drip)
      for (const s of [slow, ...idle]) s.destroy()
    }
    expect((await api('project:get', {}, bearer())).status).toBe(200)
  }, 20_000)

  it('keeps an open event socket alive past the HTTP deadlines', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events?token=${token}`)
    await new Promise((resolve, reject) => {
      ws.on('open', resolve)
      ws.on('error', reject)
    })
    await new Promise((resolve) => setTimeout(resolve, 6500))
    expect(ws.readyState).toBe(WebSocket.OPEN)
    const message = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
    await api('project:rename', { name: 'still here' }, bearer())
    expect(await message).toContain('still here')
    ws.close()
  }, 15_000)
})
