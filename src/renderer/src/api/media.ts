import { MEDIA_SCHEME } from '@shared/ipc'
import {
  decodeSpectrogram,
  spectrogramQuery,
  type SpectrogramImage,
  type SpectrogramRequest,
} from '@shared/spectrogram'
import { api } from '.'

/** The URL of a clip's audio, peaks or spectrogram: the media protocol in Electron, /media/ over HTTP. */
export function mediaUrl(kind: 'clip' | 'peaks' | 'spectrogram', clipId: number): string {
  return api.transport === 'ipc' ? `${MEDIA_SCHEME}://${kind}/${clipId}` : `/media/${kind}/${clipId}`
}

/** A clip's waveform outline and its duration. */
export interface Peaks {
  peaks: Float32Array
  duration: number
}

/** Peaks fetched ahead (the clip a label key would move to), by clip id; a few at most. */
const prefetched = new Map<number, Promise<Peaks>>()
const PREFETCH_KEEP = 4

/**
 * Starts fetching a clip's peaks before it is shown (the studio computes them on first request),
 * so that moving on to it costs no wait for them.
 */
export function prefetchPeaks(clipId: number): void {
  if (prefetched.has(clipId)) return
  const pending = requestPeaks(clipId)
  // A failed prefetch is forgotten: the clip view asks again, and reports the error then.
  pending.catch(() => prefetched.delete(clipId))
  prefetched.set(clipId, pending)
  for (const old of prefetched.keys()) {
    if (prefetched.size <= PREFETCH_KEEP) break
    prefetched.delete(old)
  }
}

/** A clip's waveform outline and duration, computed once by the studio and cached. */
export async function fetchPeaks(clipId: number, signal?: AbortSignal): Promise<Peaks> {
  const ahead = prefetched.get(clipId)
  if (ahead) {
    prefetched.delete(clipId)
    return ahead
  }
  return requestPeaks(clipId, signal)
}

async function requestPeaks(clipId: number, signal?: AbortSignal): Promise<Peaks> {
  const response = await fetch(mediaUrl('peaks', clipId), { signal, credentials: 'same-origin' })
  if (!response.ok) throw new Error(`Could not load the waveform (HTTP ${response.status}).`)
  const bytes = await response.arrayBuffer()
  const duration = new DataView(bytes).getFloat64(0, true)
  return { peaks: new Float32Array(bytes, 8), duration }
}

/** One window of a clip's spectrogram, computed by the studio in a worker: a byte image in dB. */
export async function fetchSpectrogram(
  clipId: number,
  request: SpectrogramRequest,
  signal?: AbortSignal,
): Promise<SpectrogramImage> {
  const url = `${mediaUrl('spectrogram', clipId)}?${spectrogramQuery(request)}`
  const response = await fetch(url, { signal, credentials: 'same-origin' })
  if (!response.ok) throw new Error(`Could not load the spectrogram (HTTP ${response.status}).`)
  return decodeSpectrogram(await response.arrayBuffer())
}
