import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'
import fastifyWebsocket from '@fastify/websocket'
import { eventNames, MAX_INPUT_BYTES, type ApiEvents, type EventMessage } from '@shared/contract'
import { fail, type Result } from '@shared/result'
import { basename, dirname } from 'node:path'
import type { Dispatch } from '../core/api/dispatch'
import type { MediaResponse } from '../core/media/media'
import type { TypedEmitter } from '../core/events'
import { isLoopbackHost, newToken, readCookie, tokensEqual } from './auth'
import { httpStatus } from './http-status'

/** What the server carries: the same dispatcher and events as the Electron transport. */
export interface ServeOptions {
  dispatch: Dispatch
  events: TypedEmitter<ApiEvents>
  /** Resolves `/media/…` paths (audio with range requests, peaks). */
  media: (pathname: string) => Promise<MediaResponse>
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token, for tests; a random one otherwise. */
  token?: string
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
  // forceCloseConnections: a browser's keep-alive connections must not keep Ctrl+C waiting.
  const app = Fastify({ logger: false, bodyLimit: MAX_INPUT_BYTES + 1024, forceCloseConnections: true })
  let port = options.port ?? 0

  // Registered before our guard so that its own hooks (which close refused upgrade sockets) run.
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })

  app.addHook('onRequest', async (request, reply) => {
    const refusal = refuse(request, token, port)
    if (refusal) {
      return reply.code(refusal.status).type('text/plain').send(refusal.message)
    }
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
    const media = await options.media(pathname)
    switch (media.kind) {
      case 'file':
        // @fastify/static answers Range requests, so the audio element can seek in long files.
        return reply.type(media.contentType).sendFile(basename(media.path), dirname(media.path))
      case 'bytes':
        return reply
          .type(media.contentType)
          .send(Buffer.from(media.body.buffer, media.body.byteOffset, media.body.byteLength))
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

  await app.listen({ host: '127.0.0.1', port })
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

/** Why a request is refused, or undefined when it may pass: loopback Host, token, same origin. */
function refuse(request: FastifyRequest, token: string, port: number): { status: number; message: string } | undefined {
  if (!isLoopbackHost(request.headers.host, port)) {
    return { status: 403, message: 'Forbidden: this server answers only to its loopback address.' }
  }
  if (!hasToken(request, token, port)) {
    return { status: 401, message: 'Unauthorized: open the URL with the token that `earmark serve` printed.' }
  }
  const origin = request.headers.origin
  if (origin !== undefined && origin !== `http://${request.headers.host}`) {
    return { status: 403, message: 'Forbidden: cross-origin request.' }
  }
  return undefined
}

function hasToken(request: FastifyRequest, token: string, port: number): boolean {
  const query = request.query as Record<string, unknown> | undefined
  const fromQuery = typeof query?.['token'] === 'string' ? query['token'] : undefined
  const auth = request.headers.authorization
  const fromHeader = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined
  const fromCookie = readCookie(request.headers.cookie, cookieName(port))
  return [fromQuery, fromHeader, fromCookie].some((given) => tokensEqual(given, token))
}
