import type { ApiTransport } from '@shared/client'
import { isEventName, type EventMessage, type EventName } from '@shared/contract'
import { fail, type Result } from '@shared/result'

/** How long to wait before reconnecting a dropped event socket. */
const RECONNECT_MS = 1000

/**
 * The transport in serve mode: `POST /api/:method` for calls and one WebSocket for events. The
 * token travels in an HttpOnly cookie set by the first visit, so this code never sees it.
 */
export function httpTransport(base: URL = new URL(window.location.href)): ApiTransport {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  let socket: WebSocket | undefined

  const connect = () => {
    const url = new URL('/api/events', base)
    url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(url)
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as EventMessage
      if (isEventName(data.event)) listeners.get(data.event)?.forEach((listener) => listener(data.payload))
    }
    socket.onclose = () => {
      socket = undefined
      if (listeners.size > 0) setTimeout(connect, RECONNECT_MS)
    }
  }

  return {
    kind: 'http',
    async call(method, input) {
      try {
        const response = await fetch(new URL(`/api/${method}`, base), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        })
        if (response.status === 401)
          return fail('unauthorized', 'The studio server did not accept this page; reopen the URL it printed.')
        return (await response.json()) as Result<unknown>
      } catch (error) {
        return fail('internal', `The studio server did not answer: ${String(error)}`)
      }
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      if (!socket) connect()
      return () => {
        set.delete(listener)
        if (set.size === 0) listeners.delete(event)
      }
    },
  }
}
