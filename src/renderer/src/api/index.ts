import { createApiClient, type ApiClient } from '@shared/client'
import { httpTransport } from './http-transport'
import { ipcTransport } from './ipc-transport'

/** The one client of the page: IPC inside Electron, HTTP in a browser. Nothing else knows which. */
export const api: ApiClient = createApiClient(window.earmark ? ipcTransport(window.earmark) : httpTransport())
