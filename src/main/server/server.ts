import { existsSync } from 'node:fs'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import Fastify, { type FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'
import fastifyWebsocket from '@fastify/websocket'
import { eventNames, MAX_INPUT_BYTES, type ApiEvents, type EventMessage } from '@shared/contract'
import { fail, type Result } from '@shared/result'
import type { Dispatch } from '../core/api/dispatch'
import type { MediaResponse } from '../core/media/media'
import type { TypedEmitter } from '../core/events'
import { isAllowedHost, isLoopbackAddress, newToken, readCookie, tokensEqual } from './auth'
import { httpStatus } from './http-status'
import { sendClipFile } from './send-file'

/** What the server carries: the same dispatcher and events as the Electron transport. */
export interface ServeOptions {
  dispatch: Dispatch
  events: TypedEmitter<ApiEvents>
  /** Resolves `/media/…` paths (audio with range requests, peaks, spectrogram windows with their query). */
  media: (pathname: string) => Promise<MediaResponse>
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token, for tests; a random one otherwise. */
  token?: string
  /**
   * Address to listen on (default 127.0.0.1). Anything beyond loopback must be asked for
   * explicitly (`earmark serve --host 0.0.0.0`); the Host check then also admits IP literals.
   */
  host?: string
  /** Connection limits; the defaults suit a browser on this machine. */
  limits?: Partial<ServeLimits>
}

/** How long a client may take, and how many connections it may hold, before the server drops it. */
export interface ServeLimits {
  /** Milliseconds to send a request's headers (slow-loris). */
  headersTimeoutMs: number
  /** Milliseconds to send a whole request, body included. */
  requestTimeoutMs: number
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number
  /** Milliseconds a connection may sit without traffic in either direction (WebSockets excepted). */
  idleTimeoutMs: number
  /** Open connections at most; more are closed at once. */
  maxConnections: number
}

/**
 * A browser sends its headers at once and reuses a few connections; anything slower or greedier
 * is a misbehaving client, and must not starve the studio's own page of sockets or memory.
 */
const DEFAULT_SERVE_LIMITS: ServeLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 120_000,
  maxConnections: 512,
}

/** A running server. */
export interface RunningServer {
  /** The URL to open, token included. */
  url: string
  port: number
  token: string
  close(): Promise<void>
}

/** The cookie that carries the token after the first visit, one per port. */
const cookieName = (port: number) => `earmark-token-${port}`

/** Sent with every page: the renderer needs nothing from elsewhere. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ')

/**
 * Starts the headless studio on 127.0.0.1: the built renderer, `POST /api/:method` and the event
 * socket `/api/events`. Every request must come with the run's token (query, bearer or cookie)
 * and a loopback Host header.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (!existsSync(join(options.rendererDir, 'index.html'))) {
    throw new Error(`The studio's pages are not built (${options.rendererDir}); run "npm run build".`)
  }
  const token = options.token ?? newToken()
  const limits = { ...DEFAULT_SERVE_LIMITS, ...options.limits }
  const host = options.host ?? '127.0.0.1'
  const beyondLoopback = !isLoopbackAddress(host)
  // forceCloseConnections: a browser's keep-alive connections must not keep Ctrl+C waiting.
  // logger off: request logs would carry the token in URLs (GHSA-p737-p57g-4cpr).
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_INPUT_BYTES + 1024,
    forceCloseConnections: true,
    requestTimeout: limits.requestTimeoutMs,
    // A response nobody reads (a paused media stream) is dropped after this; event sockets are exempt.
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks header and request deadlines every connectionsCheckingInterval (30 s by default).
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
  })
  const admission = connectionAdmission(limits.maxConnections)
  // Node's own cap refuses a connection before anyone sees it, the studio's included; ours (in
  // `admission`) makes room by dropping a stranger's socket instead, so it sits above ours.
  app.server.maxConnections = limits.maxConnections + ADMISSION_SLACK
  // Node's header deadline starts at a request's first byte; a connection that never sends one
  // would stay open for ever, so it gets the same deadline from the moment it opens.
  app.server.on('connection', (socket: Socket) => {
    if (!admission.admit(socket)) return
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs)
    socket.once('data', () => clearTimeout(timer))
    socket.once('close', () => clearTimeout(timer))
  })
  let port = options.port ?? 0

  // Registered before our guard so that its own hooks (which close refused upgrade sockets) run.
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })

  app.addHook('onRequest', async (request, reply) => {
    const refusal = refuse(request, token, port, beyondLoopback)
    if (refusal) {
      return reply.code(refusal.status).type('text/plain').send(refusal.message)
    }
    admission.trust(request.raw.socket)
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    reply.header('X-Content-Type-Options', 'nosniff')
    reply.header('Referrer-Policy', 'no-referrer')
    reply.header('Cache-Control', 'no-store')
  })

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500
    const result =
      status === 413
        ? fail('payload-too-large', `The request body is larger than ${MAX_INPUT_BYTES} bytes.`)
        : status < 500
          ? fail('invalid-input', error.message)
          : fail('internal', error.message)
    return reply.code(status).send(result)
  })

  // Fastify's own 404 page repeats the URL, which may carry the token: say nothing instead.
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain').send('Not found'))

  // The first visit carries the token in the URL; keep it in a cookie and drop it from the
  // address bar, so it is not left in history or shown on screen.
  app.get('/', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    if (typeof query['token'] === 'string') {
      reply.header('Set-Cookie', `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`)
      return reply.redirect('/', 303)
    }
    return reply.sendFile('index.html')
  })

  app.post('/api/:method', async (request, reply) => {
    const { method } = request.params as { method: string }
    const result: Result<unknown> = await options.dispatch(method, request.body ?? {})
    return reply.code(result.ok ? 200 : httpStatus(result.error.code)).send(result)
  })

  app.get('/media/*', async (request, reply) => {
    const { '*': pathname } = request.params as { '*': string }
    // The query (a spectrogram's window) travels with the path; the rest of the URL is ours.
    const queryAt = request.url.indexOf('?')
    const media = await options.media(queryAt < 0 ? pathname : `${pathname}${request.url.slice(queryAt)}`)
    switch (media.kind) {
      case 'file':
        // Range requests are answered, so the audio element can seek in long files.
        return sendClipFile(request, reply, media.path, media.contentType)
      case 'bytes':
        return reply
          .type(media.contentType)
          .send(Buffer.from(media.body.buffer, media.body.byteOffset, media.body.byteLength))
      case 'bad-request':
        return reply.code(400).type('text/plain').send(media.message)
      case 'not-found':
        return reply.code(404).type('text/plain').send('Not found')
    }
  })

  app.get('/api/events', { websocket: true }, (socket) => {
    const teardowns = eventNames.map((event) =>
      options.events.on(event, (payload) => {
        const message = { event, payload } as EventMessage
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
      }),
    )
    socket.on('close', () => teardowns.forEach((teardown) => teardown()))
    // The socket is for events only; whatever a client sends is ignored.
    socket.on('message', () => undefined)
  })

  await app.register(fastifyStatic, { root: options.rendererDir, index: false, wildcard: true })

  await app.listen({ host, port })
  const address = app.server.address()
  port = typeof address === 'object' && address ? address.port : port
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of app.websocketServer.clients) client.terminate()
      await app.close()
    },
  }
}

/**
 * Why a request is refused, or undefined when it may pass: Host (before anything else, as
 * Jupyter's check_host), token, same origin. A request that proves itself by the cookie alone is
 * one a browser may have sent on another site's behalf, so unless it only reads (GET/HEAD, not a
 * WebSocket upgrade) it must also carry our own Origin, which browsers always send on such
 * requests and pages cannot forge: the cookie's SameSite=Strict plus this is our XSRF check.
 */
function refuse(
  request: FastifyRequest,
  token: string,
  port: number,
  allowIpLiterals: boolean,
): { status: number; message: string } | undefined {
  if (!isAllowedHost(request.headers.host, port, allowIpLiterals)) {
    return { status: 403, message: 'Forbidden: this server answers only to its loopback address.' }
  }
  const proof = tokenProof(request, token, port)
  if (!proof) {
    return { status: 401, message: 'Unauthorized: open the URL with the token that `earmark serve` printed.' }
  }
  const origin = request.headers.origin
  if (origin !== undefined && origin !== `http://${request.headers.host}`) {
    return { status: 403, message: 'Forbidden: cross-origin request.' }
  }
  const reads = (request.method === 'GET' || request.method === 'HEAD') && request.headers.upgrade === undefined
  if (proof === 'cookie' && origin === undefined && !reads) {
    return { status: 403, message: 'Forbidden: a request authorised by cookie must come from the studio page.' }
  }
  return undefined
}

/** How a request proved it holds the token (explicit proofs first), or undefined. */
function tokenProof(request: FastifyRequest, token: string, port: number): 'query' | 'header' | 'cookie' | undefined {
  const query = request.query as Record<string, unknown> | undefined
  if (tokensEqual(typeof query?.['token'] === 'string' ? query['token'] : undefined, token)) return 'query'
  const auth = request.headers.authorization
  if (tokensEqual(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined, token)) return 'header'
  if (tokensEqual(readCookie(request.headers.cookie, cookieName(port)), token)) return 'cookie'
  return undefined
}

/** Connections Node itself may hold beyond the cap, so that ours can decide who goes. */
const ADMISSION_SLACK = 64

/**
 * Who may hold one of the server's connections when they are all taken. A socket that has shown
 * the token (the studio's own) keeps its place; otherwise the longest-held stranger's socket makes
 * room, one that has sent nothing before one that has. A flood of idle connections then costs
 * only the flood: the studio's next request is still served.
 */
function connectionAdmission(max: number): { admit(socket: Socket): boolean; trust(socket: Socket): void } {
  // In the order they were opened: the first match is the longest held.
  const open = new Map<Socket, { spoke: boolean; trusted: boolean }>()
  const strangerToDrop = (): Socket | undefined => {
    let quietest: Socket | undefined
    for (const [socket, state] of open) {
      if (state.trusted) continue
      if (!state.spoke) return socket
      quietest ??= socket
    }
    return quietest
  }
  return {
    admit(socket) {
      if (open.size >= max) {
        const stranger = strangerToDrop()
        if (!stranger) {
          socket.destroy()
          return false
        }
        open.delete(stranger)
        stranger.destroy()
      }
      const state = { spoke: false, trusted: false }
      open.set(socket, state)
      socket.once('data', () => (state.spoke = true))
      socket.once('close', () => open.delete(socket))
      return true
    },
    trust(socket) {
      const state = open.get(socket)
      if (state) state.trusted = true
    },
  }
}
