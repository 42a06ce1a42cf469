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

/** The address of a place: `#/label/clip/345`, `#/models/runs/12`, `#/models/sweeps`. */
export function routeHash(route: Route): string {
  const parts = [viewNames[route.view]]
  if (route.view === 'library' && route.clipId !== undefined) parts.push('clip', String(route.clipId))
  if (route.view === 'models') {
    const tab = route.modelsTab ?? 'train'
    parts.push(tab)
    if (tab === 'runs' && route.runId !== undefined) parts.push(String(route.runId))
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
  if (view === 'library') {
    const clipId = rest[0] === 'clip' ? positiveId(rest[1]) : undefined
    return clipId === undefined ? { view } : { view, clipId }
  }
  if (view === 'models') {
    const modelsTab = modelsTabs.find((t) => t === rest[0]) ?? 'train'
    const runId = modelsTab === 'runs' ? positiveId(rest[1]) : undefined
    return runId === undefined ? { view, modelsTab } : { view, modelsTab, runId }
  }
  return { view }
}
