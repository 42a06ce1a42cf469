import { MEDIA_SCHEME } from '@shared/ipc'
import { api } from '.'

/** The URL of a clip's audio or peaks: the media protocol in Electron, /media/ over HTTP. */
export function mediaUrl(kind: 'clip' | 'peaks', clipId: number): string {
  return api.transport === 'ipc' ? `${MEDIA_SCHEME}://${kind}/${clipId}` : `/media/${kind}/${clipId}`
}

/** A clip's waveform outline and duration, computed once by the studio and cached. */
export async function fetchPeaks(
  clipId: number,
  signal?: AbortSignal,
): Promise<{ peaks: Float32Array; duration: number }> {
  const response = await fetch(mediaUrl('peaks', clipId), { signal, credentials: 'same-origin' })
  if (!response.ok) throw new Error(`Could not load the waveform (HTTP ${response.status}).`)
  const bytes = await response.arrayBuffer()
  const duration = new DataView(bytes).getFloat64(0, true)
  return { peaks: new Float32Array(bytes, 8), duration }
}
