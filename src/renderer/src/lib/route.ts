/** The studio's screens. */
export type View = 'project' | 'library' | 'import' | 'features' | 'models' | 'explore'

/** The parts of the Models screen. */
export const modelsTabs = ['train', 'runs', 'sweeps', 'compare'] as const
/** A part of the Models screen. */
export type ModelsTab = (typeof modelsTabs)[number]

/** Where the studio is: a screen, and on it the open clip, part of the Models screen, run or sweep. */
export interface Route {
  view: View
  clipId?: number
  modelsTab?: ModelsTab
  runId?: number
  /** The open run's detections under review. */
  review?: boolean
  /** On the Label tab: the windows most like a clip (or a span of it), from the stored embeddings. */
  similar?: SimilarQuery
}

/** What "Find similar" looks for: a clip, or a span of it (a region, a box). */
export interface SimilarQuery {
  clipId: number
  start?: number
  end?: number
}

// The Label tab's screen is called `library` in the code; its address says what the user sees.
const viewNames: Record<View, string> = {
  project: 'project',
  library: 'label',
  import: 'import',
  features: 'features',
  models: 'models',
  explore: 'explore',
}

/**
 * The address of a place: `#/label/clip/345`, `#/models/runs/12`, `#/models/runs/12/review`,
 * `#/models/sweeps`, `#/label/similar/345` (windows like clip 345), `#/label/similar/345/1.25-2.5`
 * (like that span of it).
 */
export function routeHash(route: Route): string {
  const parts = [viewNames[route.view]]
  if (route.view === 'library' && route.similar) {
    const { clipId, start, end } = route.similar
    parts.push('similar', String(clipId))
    if (start !== undefined && end !== undefined) parts.push(`${start}-${end}`)
  } else if (route.view === 'library' && route.clipId !== undefined) parts.push('clip', String(route.clipId))
  if (route.view === 'models') {
    const tab = route.modelsTab ?? 'train'
    parts.push(tab)
    if (tab === 'runs' && route.runId !== undefined) {
      parts.push(String(route.runId))
      if (route.review) parts.push('review')
    }
  }
  return `#/${parts.join('/')}`
}

const positiveId = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return undefined
  return Number(text)
}

/** Reads an address back; null for one the studio does not know (the caller stays where it is). */
export function parseRouteHash(hash: string): Route | null {
  const [name, ...rest] = hash.replace(/^#\/?/, '').split('/')
  const view = (Object.keys(viewNames) as View[]).find((v) => viewNames[v] === name)
  if (!view) return null
  if (view === 'library' && rest[0] === 'similar') {
    const clipId = positiveId(rest[1])
    if (clipId === undefined) return { view }
    const span = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(rest[2] ?? '')
    const start = Number(span?.[1])
    const end = Number(span?.[2])
    return span && end > start
      ? { view, clipId, similar: { clipId, start, end } }
      : { view, clipId, similar: { clipId } }
  }
  if (view === 'library') {
    const clipId = rest[0] === 'clip' ? positiveId(rest[1]) : undefined
    return clipId === undefined ? { view } : { view, clipId }
  }
  if (view === 'models') {
    const modelsTab = modelsTabs.find((t) => t === rest[0]) ?? 'train'
    const runId = modelsTab === 'runs' ? positiveId(rest[1]) : undefined
    if (runId === undefined) return { view, modelsTab }
    return rest[2] === 'review' ? { view, modelsTab, runId, review: true } : { view, modelsTab, runId }
  }
  return { view }
}
