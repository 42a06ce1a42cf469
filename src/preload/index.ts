/**
 * Exposes the API contract to the renderer and nothing else: one function per method and a
 * subscription per known event. No ipcRenderer, no Node, no generic channel.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { isEventName, methodNames, type EventMessage, type EventName } from '@shared/contract'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '@shared/ipc'
import type { Result } from '@shared/result'

const api = Object.fromEntries(
  methodNames.map((method) => [
    method,
    (input: unknown): Promise<Result<unknown>> => ipcRenderer.invoke(IPC_CALL_CHANNEL, method, input),
  ]),
)

contextBridge.exposeInMainWorld('earmark', {
  api,
  on(event: EventName, listener: (payload: unknown) => void): () => void {
    if (!isEventName(event) || typeof listener !== 'function') throw new TypeError('unknown event')
    const forward = (_e: IpcRendererEvent, message: EventMessage) => {
      if (message.event === event) listener(message.payload)
    }
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward)
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward)
  },
})
