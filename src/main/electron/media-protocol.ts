import { net, protocol } from 'electron'
import { pathToFileURL } from 'node:url'
import { MEDIA_SCHEME } from '@shared/ipc'
import type { MediaResponse } from '../core/media/media'

/** Must run before the app is ready: lets the renderer stream (and seek in) our audio. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
  ])
}

/**
 * Serves `earmark-media://clip/<id>` (and `peaks/<id>`, `spectrogram/<id>?…`) from the open project's catalog and
 * nothing else: the renderer can reach a file only if it is a clip of the project, never an
 * arbitrary path (the alternative, file:// with webSecurity off, would expose the whole disk).
 */
export function handleMediaProtocol(media: (pathname: string) => Promise<MediaResponse>): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url)
    const resolved = await media(`${url.host}${url.pathname}${url.search}`)
    switch (resolved.kind) {
      case 'file':
        // net.fetch of a file URL honours Range, so the audio element can seek in long files.
        return net.fetch(pathToFileURL(resolved.path).toString(), {
          headers: request.headers,
          bypassCustomProtocolHandlers: true,
        })
      case 'bytes':
        return new Response(resolved.body, { headers: { 'Content-Type': resolved.contentType } })
      case 'bad-request':
        return new Response(resolved.message, { status: 400 })
      case 'not-found':
        return new Response('Not found', { status: 404 })
    }
  })
}
