import { app, BrowserWindow, session, shell } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Where the renderer comes from: the dev server in development, the built file otherwise. */
function rendererUrl(): string {
  const dev = process.env['ELECTRON_RENDERER_URL']
  if (!app.isPackaged && dev) return dev
  return pathToFileURL(join(__dirname, '../renderer/index.html')).toString()
}

/** Whether a URL is our own page (anything else must not call the API). */
export function isTrustedRendererUrl(url: string): boolean {
  const base = rendererUrl()
  const origin = base.startsWith('file:') ? base : new URL(base).origin + '/'
  return url === base || url.startsWith(origin)
}

/**
 * The app-wide hardening of Electron's security checklist: no navigation away from our page, no
 * new windows (links open in the system browser), and every permission request denied.
 */
export function hardenSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedRendererUrl(url)) event.preventDefault()
    })
    contents.on('will-redirect', (event, url) => {
      if (!isTrustedRendererUrl(url)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https:')) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })
}

/** Opens the studio window with contextIsolation and sandbox on and Node off. */
export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    show: false,
    title: 'Earmark',
    backgroundColor: '#15171c',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  void window.loadURL(rendererUrl())
  return window
}
