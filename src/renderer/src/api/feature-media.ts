import { decodeFeatureImage, type FeatureMediaKind } from '@shared/feature-sets'
import { MEDIA_SCHEME } from '@shared/ipc'
import { api } from '.'

const base = (route: 'features' | 'preprocessed', clipId: number): string =>
  api.transport === 'ipc' ? `${MEDIA_SCHEME}://${route}/${clipId}` : `/media/${route}/${clipId}`

/** The URL of a clip's audio after a feature set's preprocessing (a WAV the audio element streams). */
export function preprocessedUrl(clipId: number, setId: number): string {
  return `${base('preprocessed', clipId)}?set=${setId}`
}

/** The URL of a clip's image (log-mel, MFCC, chroma) or preprocessed peaks under a feature set. */
export function featureUrl(clipId: number, setId: number, kind: FeatureMediaKind): string {
  return `${base('features', clipId)}?set=${setId}&kind=${kind}`
}

async function bytesOf(url: string, what: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const response = await fetch(url, { signal, credentials: 'same-origin' })
  if (!response.ok) throw new Error(`Could not load the ${what} (HTTP ${response.status}).`)
  return response.arrayBuffer()
}

/** The preprocessed waveform's outline and duration. */
export async function fetchFeaturePeaks(
  clipId: number,
  setId: number,
  signal?: AbortSignal,
): Promise<{ peaks: Float32Array; duration: number }> {
  const bytes = await bytesOf(featureUrl(clipId, setId, 'peaks'), 'preprocessed waveform', signal)
  return { peaks: new Float32Array(bytes, 8), duration: new DataView(bytes).getFloat64(0, true) }
}

/** One feature image of a clip, frame-major float32 with its range. */
export async function fetchFeatureImage(
  clipId: number,
  setId: number,
  kind: Exclude<FeatureMediaKind, 'peaks'>,
  signal?: AbortSignal,
): Promise<ReturnType<typeof decodeFeatureImage>> {
  return decodeFeatureImage(await bytesOf(featureUrl(clipId, setId, kind), `${kind} image`, signal))
}
