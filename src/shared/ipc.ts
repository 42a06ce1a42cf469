/** Electron IPC channel names, declared once for preload and main. */

/** Every API call travels on this channel as (method, input). */
export const IPC_CALL_CHANNEL = 'earmark:api'
/** Every event travels on this channel as an `EventMessage`. */
export const IPC_EVENT_CHANNEL = 'earmark:event'
/** The privileged scheme that streams project audio to the renderer. */
export const MEDIA_SCHEME = 'earmark-media'
