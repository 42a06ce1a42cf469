import { request } from 'node:http'

/** A raw HTTP request, so tests can send any Host header (fetch will not let us). */
export function rawRequest(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Calls the API of a served studio (the URL `earmark serve` printed), as the renderer does. */
export function apiCaller(servedUrl: string): (method: string, input: unknown) => Promise<Response> {
  const url = new URL(servedUrl)
  const token = url.searchParams.get('token') ?? ''
  return (method, input) =>
    fetch(`${url.origin}/api/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    })
}

/**
 * Calls the API of a served studio and returns the method's value; a refusal throws with the
 * method's name and the message, so a test's failure says which call went wrong.
 */
export function apiValueCaller(servedUrl: string): <T>(method: string, input: unknown) => Promise<T> {
  const api = apiCaller(servedUrl)
  return async <T>(method: string, input: unknown) => {
    const answer = (await (await api(method, input)).json()) as
      { ok: true; value: T } | { ok: false; error: { message: string } }
    if (!answer.ok) throw new Error(`${method}: ${answer.error.message}`)
    return answer.value
  }
}
