/**
 * Electron entry: the window, its security settings, the media protocol and the IPC transport.
 * Thin on purpose: everything the studio does lives in core/ and is reached through the service.
 */
import { app, BrowserWindow } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createDispatcher } from './core/api/dispatch'
import { defaultProjectPath } from './core/paths'
import { createStudioService } from './core/service'
import { registerIpcTransport } from './electron/ipc-transport'
import { handleMediaProtocol, registerMediaScheme } from './electron/media-protocol'
import { createMainWindow, hardenSessions, isTrustedRendererUrl } from './electron/window'

registerMediaScheme()

/**
 * better-sqlite3 is a native addon built for Node's ABI; Electron has its own. `npm start` builds
 * a copy for Electron into out/native (scripts/electron-native.mjs) and we load that one here.
 */
function electronSqliteBinding(): string | undefined {
  const path = join(app.getAppPath(), 'out', 'native', 'better_sqlite3.node')
  return existsSync(path) ? path : undefined
}

void app.whenReady().then(() => {
  hardenSessions()
  const binding = electronSqliteBinding()
  const projectArg = process.argv.slice(1).find((arg) => arg.endsWith('.earmark'))
  const service = createStudioService({
    version: app.getVersion(),
    defaultProjectPath: defaultProjectPath(app.getPath('userData')),
    ...(projectArg ? { projectPath: projectArg } : {}),
    ...(binding ? { sqliteNativeBinding: binding } : {}),
  })
  registerIpcTransport(createDispatcher(service.handlers), service.events, isTrustedRendererUrl)
  handleMediaProtocol(service.media)
  createMainWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow()
  })
  app.on('will-quit', () => void service.close())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
