import { randomBytes, timingSafeEqual } from 'node:crypto'

/** A fresh random token for one run of the server, as Jupyter prints with its URL. */
export const newToken = (): string => randomBytes(24).toString('base64url')

/** Compares two secrets in constant time. */
export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * Whether a Host header names this server on loopback. Anything else is refused: a page on another
 * site that rebinds its DNS name to 127.0.0.1 still sends its own name as Host.
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase())
  if (!match) return false
  const [, name = '', hostPort] = match
  return LOOPBACK_HOSTS.has(name) && (hostPort === undefined ? port === 80 : Number(hostPort) === port)
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return undefined
}
