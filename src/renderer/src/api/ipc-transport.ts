import type { ApiTransport } from '@shared/client'

/** The transport inside Electron: the functions the preload script exposed. */
export function ipcTransport(bridge: NonNullable<Window['earmark']>): ApiTransport {
  return {
    kind: 'ipc',
    call: (method, input) => bridge.api[method](input),
    on: (event, listener) => bridge.on(event, listener),
  }
}
