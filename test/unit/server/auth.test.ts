import { describe, expect, it } from 'vitest'
import { isLoopbackHost, newToken, readCookie, tokensEqual } from '../../../src/main/server/auth'

describe('serve-mode auth', () => {
  it('accepts only loopback names with our port as Host', () => {
    for (const host of ['127.0.0.1:8123', 'localhost:8123', '[::1]:8123', 'LOCALHOST:8123']) {
      expect(isLoopbackHost(host, 8123), host).toBe(true)
    }
    for (const host of [
      'evil.example:8123',
      '127.0.0.1.evil.example:8123',
      'localhost:8124',
      '127.0.0.1',
      '',
      undefined,
      '127.0.0.1:8123@evil',
      '[::1',
      '0.0.0.0:8123',
    ]) {
      expect(isLoopbackHost(host, 8123), String(host)).toBe(false)
    }
  })

  it('makes long random tokens and compares them exactly', () => {
    const a = newToken()
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(newToken()).not.toBe(a)
    expect(tokensEqual(a, a)).toBe(true)
    expect(tokensEqual(a.slice(1), a)).toBe(false)
    expect(tokensEqual(undefined, a)).toBe(false)
    expect(tokensEqual('', a)).toBe(false)
  })

  it('reads one cookie among many', () => {
    expect(readCookie('a=1; earmark-token-80=xyz; b=2', 'earmark-token-80')).toBe('xyz')
    expect(readCookie('a=1', 'earmark-token-80')).toBeUndefined()
    expect(readCookie(undefined, 'x')).toBeUndefined()
  })
})
