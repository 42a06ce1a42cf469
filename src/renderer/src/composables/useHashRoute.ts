import { computed, onScopeDispose, watch } from 'vue'
import { parseRouteHash, routeHash, type Route } from '../lib/route'
import { useClipsStore } from '../stores/clips'
import { useModelsStore } from '../stores/models'
import { useNavigationStore } from '../stores/navigation'
import { useReviewStore } from '../stores/review'
import { useSimilarStore } from '../stores/similar'

/**
 * Keeps the address in step with where the studio is (tab, open clip, part of the Models screen,
 * open run), so a reload lands on the same place and back and forward move between places.
 * Moving from clip to clip while labelling replaces the address instead of adding to the history,
 * so that Back leaves the Label tab rather than stepping through every clip labelled.
 */
export function useHashRoute(): void {
  const nav = useNavigationStore()
  const clips = useClipsStore()
  const models = useModelsStore()
  const review = useReviewStore()
  const similar = useSimilarStore()

  const here = computed<Route>(() => ({
    view: nav.view,
    ...(clips.currentId === null ? {} : { clipId: clips.currentId }),
    modelsTab: nav.modelsTab,
    ...(models.openRunId === null ? {} : { runId: models.openRunId }),
    ...(review.runId !== null && review.runId === models.openRunId && nav.modelsTab === 'runs' ? { review: true } : {}),
    ...(similar.query === null ? {} : { similar: similar.query }),
  }))

  function go(route: Route): void {
    nav.view = route.view
    if (route.clipId !== undefined && route.clipId !== clips.currentId) clips.select(route.clipId)
    if (route.modelsTab !== undefined) nav.modelsTab = route.modelsTab
    if (route.runId !== undefined && route.runId !== models.openRunId) void models.selectRun(route.runId)
    if (route.review && route.runId !== undefined) void review.open(route.runId)
    else review.close()
    if (route.similar) void similar.open(route.similar)
    else similar.close()
  }

  const arrived = parseRouteHash(window.location.hash)
  if (arrived) go(arrived)

  let previous = here.value
  let first = true
  watch(
    () => routeHash(here.value),
    (hash) => {
      const opening = first
      first = false
      if (hash === window.location.hash) return
      // The first address names where the studio opened: it replaces a bare or unknown one.
      const onlyTheClip =
        opening ||
        (previous.view === 'library' && here.value.view === 'library' && !previous.similar && !here.value.similar)
      previous = here.value
      if (onlyTheClip) window.history.replaceState(window.history.state, '', hash)
      else window.history.pushState(window.history.state, '', hash)
    },
    { immediate: true },
  )

  const onMove = () => {
    const route = parseRouteHash(window.location.hash)
    if (route) go(route)
    previous = here.value
  }
  window.addEventListener('popstate', onMove)
  window.addEventListener('hashchange', onMove)
  onScopeDispose(() => {
    window.removeEventListener('popstate', onMove)
    window.removeEventListener('hashchange', onMove)
  })
}
