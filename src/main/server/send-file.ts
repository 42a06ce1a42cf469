import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * The byte range a `Range: bytes=…` header asks of a file of `size` bytes: one range, as audio
 * elements ask; undefined for none or a form we do not serve (the whole file is sent), null for a
 * range outside the file (416).
 */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '')
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  const [, from = '', to = ''] = match
  if (from === '') {
    // A suffix: the last N bytes.
    const length = Math.min(Number(to), size)
    return length > 0 ? { start: size - length, end: size - 1 } : null
  }
  const start = Number(from)
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1)
  return start < size && start <= end ? { start, end } : null
}

/**
 * Sends a catalogued clip's file with range support (the audio element seeks with it). The path is
 * the catalog's, never the request's, so it is opened as it is: @fastify/static treats its name as
 * a URL path and refuses a backslash (legal in a Linux file name) as a traversal attempt.
 */
export async function sendClipFile(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  contentType: string,
): Promise<FastifyReply> {
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile()) return reply.code(404).type('text/plain').send('Not found')
  const range = parseRange(request.headers.range, info.size)
  reply.header('Accept-Ranges', 'bytes').header('Last-Modified', info.mtime.toUTCString())
  if (range === null) {
    return reply
      .code(416)
      .header('Content-Range', `bytes */${info.size}`)
      .type('text/plain')
      .send('Range not satisfiable')
  }
  const { start, end } = range ?? { start: 0, end: info.size - 1 }
  if (range) reply.code(206).header('Content-Range', `bytes ${start}-${end}/${info.size}`)
  reply.type(contentType).header('Content-Length', Math.max(0, end - start + 1))
  if (request.method === 'HEAD' || info.size === 0) return reply.send()
  return reply.send(createReadStream(path, { start, end }))
}
