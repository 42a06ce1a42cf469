import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

/** A fresh random token for one run of the server, as Jupyter prints with its URL. */
export const newToken = (): string => randomBytes(24).toString('base64url')

/**
 * Compares two secrets in constant time. Both sides are hashed first, so the comparison takes the
 * same time whatever the given token's length: a wrong-length guess learns nothing either.
 */
export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b) && given.length === expected.length
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

/**
 * Whether a Host header may reach a server bound beyond loopback (`--host 0.0.0.0`): loopback
 * names, or an IP literal with our port. An IP literal cannot be a DNS-rebinding name, so
 * `http://192.168.1.5:8123` from another machine works while `evil.example` still does not.
 */
export function isAllowedHost(host: string | undefined, port: number, allowIpLiterals: boolean): boolean {
  if (isLoopbackHost(host, port)) return true
  if (!allowIpLiterals || !host) return false
  const match = /^(?:\[([0-9a-f:.]+)\]|([0-9.]+)):(\d+)$/.exec(host.toLowerCase())
  if (!match) return false
  const [, v6, v4, hostPort] = match
  const ip = v6 ?? v4 ?? ''
  return isIP(ip) === (v6 ? 6 : 4) && Number(hostPort) === port
}

/** Whether an address to listen on reaches only this machine. */
export function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return undefined // malformed %-escapes: no token, not a server error
      }
    }
  }
  return undefined
}
