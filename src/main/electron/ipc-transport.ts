import { ipcMain, webContents, type IpcMainInvokeEvent } from 'electron'
import { eventNames, type ApiEvents, type EventMessage } from '@shared/contract'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '@shared/ipc'
import { fail } from '@shared/result'
import type { Dispatch } from '../core/api/dispatch'
import type { TypedEmitter } from '../core/events'

/**
 * Carries the API over Electron IPC: one handler that checks the sender, then hands the call to
 * the shared dispatcher (which validates it); every event is forwarded to every window.
 * Returns the teardown.
 */
export function registerIpcTransport(
  dispatch: Dispatch,
  events: TypedEmitter<ApiEvents>,
  isTrustedUrl: (url: string) => boolean,
): () => void {
  ipcMain.handle(IPC_CALL_CHANNEL, (event: IpcMainInvokeEvent, method: unknown, input: unknown) => {
    const frame = event.senderFrame
    // Only our own page's main frame may call: not an iframe, not a page it navigated to.
    if (!frame || frame !== event.sender.mainFrame || !isTrustedUrl(frame.url)) {
      return fail('unauthorized', 'This page may not call the Earmark API.')
    }
    return dispatch(method, input)
  })
  const teardowns = eventNames.map((name) =>
    events.on(name, (payload) => {
      const message = { event: name, payload } as EventMessage
      for (const contents of webContents.getAllWebContents()) {
        if (!contents.isDestroyed() && isTrustedUrl(contents.getURL())) contents.send(IPC_EVENT_CHANNEL, message)
      }
    }),
  )
  return () => {
    ipcMain.removeHandler(IPC_CALL_CHANNEL)
    teardowns.forEach((teardown) => teardown())
  }
}
