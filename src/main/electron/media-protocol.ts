import { net, protocol } from 'electron'
import { pathToFileURL } from 'node:url'
import { MEDIA_SCHEME } from '@shared/ipc'

/** Must run before the app is ready: lets the renderer stream (and seek in) our audio. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
  ])
}

/**
 * Serves `earmark-media://clip/<id>` from the open project's catalog and nothing else: the
 * renderer can reach a file only if it is a clip of the project, never an arbitrary path
 * (the alternative, file:// with webSecurity off, would expose the whole disk).
 */
export function handleMediaProtocol(clipPathById: (id: number) => string | undefined): void {
  protocol.handle(MEDIA_SCHEME, (request) => {
    const url = new URL(request.url)
    const match = /^\/(\d{1,15})$/.exec(url.pathname)
    const path = url.host === 'clip' && match ? clipPathById(Number(match[1])) : undefined
    if (!path) return new Response('Not found', { status: 404 })
    // net.fetch of a file URL honours Range, so the audio element can seek in long files.
    return net.fetch(pathToFileURL(path).toString(), { headers: request.headers, bypassCustomProtocolHandlers: true })
  })
}
