import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ClassInfo } from '@shared/domain'
import type { EmbeddingSpaceInfo, HeadAnswer, SearchResult } from '@shared/embeddings'
import type { SimilarQuery } from '../lib/route'
import { api } from '../api'
import { useApiCall } from './api-call'
import { useProjectStore } from './project'

/** How many windows a search brings back. */
const TOP = 40

/** Two spans of seconds are the same window (as stored, to the microsecond). */
const sameSpan = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
  Math.abs(a.start - b.start) < 1e-4 && Math.abs(a.end - b.end) < 1e-4

/** A result covers its whole clip: labelling it labels the clip, not a region of it. */
export const wholeClip = (r: { start: number; end: number; clipDuration: number }): boolean =>
  r.start <= 1e-6 && r.end >= r.clipDuration - 1e-3

/** What a result is labeled as in the grid: a region's class, the clip's, or marked as none. */
export function resultLabel(r: SearchResult): string | null {
  if (r.negative) return 'none'
  return r.spanLabel ?? r.label
}

/**
 * "Find similar": the stored windows nearest to a clip, a region or a box, labeled from the grid
 * with one key each (the query's class, any class, or marked as none of the classes), and a
 * few-shot head trained on what is labeled, with the windows it is least sure of.
 */
export const useSimilarStore = defineStore('similar', () => {
  const query = ref<SimilarQuery | null>(null)
  /** The query clip's name and the class the query stands for (its region's, or the clip's). */
  const queryName = ref('')
  /** The class the query stands for, by id (named once the project's classes are known). */
  const queryClassId = ref<number | null>(null)
  const queryClass = computed(
    () => useProjectStore().project?.classes.find((c) => c.id === queryClassId.value)?.name ?? null,
  )
  const spaces = shallowRef<EmbeddingSpaceInfo[] | null>(null)
  /** The space searched (null: the newest). */
  const spaceId = ref<number | null>(null)
  const results = ref<SearchResult[]>([])
  const index = ref(0)
  const hideLabeled = ref(false)
  const head = shallowRef<HeadAnswer | null>(null)
  /** What the grid shows: the search's results, or the windows the head is least sure of. */
  const list = ref<'results' | 'next'>('results')
  /** The head's "next to label" windows, labeled in the grid as results are. */
  const nextResults = ref<SearchResult[]>([])
  const training = ref(false)
  const searching = ref(false)
  const status = ref('')
  const seconds = ref<number | null>(null)
  const { error, guarded } = useApiCall()

  const space = computed(() => spaces.value?.find((s) => s.id === spaceId.value) ?? spaces.value?.[0] ?? null)
  const listed = computed(() => (list.value === 'next' ? nextResults.value : results.value))
  const shown = computed(() => (hideLabeled.value ? listed.value.filter((r) => resultLabel(r) === null) : listed.value))
  const current = computed<SearchResult | null>(() => shown.value[index.value] ?? null)

  async function loadSpaces(): Promise<void> {
    spaces.value = await api.invoke('embeddings:spaces', {})
    if (spaceId.value !== null && !spaces.value.some((s) => s.id === spaceId.value)) spaceId.value = null
  }

  /** Runs the search again (the query, the space, the hidden labeled ones as they are now). */
  const search = () =>
    guarded(async () => {
      const q = query.value
      const base = space.value
      if (!q || !base) return
      searching.value = true
      try {
        const answer = await api.invoke('embeddings:search', {
          clipId: q.clipId,
          ...(q.start === undefined ? {} : { start: q.start, end: q.end }),
          base: base.basePath,
          top: TOP,
        })
        if (query.value !== q) return
        results.value = answer.results
        seconds.value = answer.seconds
        index.value = 0
      } finally {
        searching.value = false
      }
    })

  /** Opens the results of a query (searching at once when the project has embeddings). */
  const open = (q: SimilarQuery) =>
    guarded(async () => {
      if (
        query.value &&
        query.value.clipId === q.clipId &&
        query.value.start === q.start &&
        query.value.end === q.end &&
        results.value.length > 0
      )
        return
      query.value = q
      results.value = []
      head.value = null
      nextResults.value = []
      list.value = 'results'
      status.value = ''
      const clip = await api.invoke('clips:get', { id: q.clipId })
      queryName.value = clip.name
      const region =
        q.start === undefined
          ? undefined
          : clip.regions.find((r) => sameSpan(r, { start: q.start ?? 0, end: q.end ?? 0 }))
      queryClassId.value = region ? region.classId : q.start === undefined ? (clip.labels[0] ?? null) : null
      await loadSpaces()
      await search()
    })

  function close(): void {
    query.value = null
    results.value = []
    head.value = null
    nextResults.value = []
    list.value = 'results'
  }

  /** Shows the search's results or the head's "next to label" windows, focused on one of them. */
  function show(which: 'results' | 'next', at = 0): void {
    list.value = which
    select(at)
  }

  function select(at: number): void {
    if (shown.value.length === 0) return
    index.value = Math.min(shown.value.length - 1, Math.max(0, at))
  }

  /** Puts a result's new state in the list shown (and the other, where the same window is there too). */
  function replace(r: SearchResult, updated: SearchResult): SearchResult {
    for (const rows of [results.value, nextResults.value]) {
      const at = rows.findIndex((x) => x.clipId === r.clipId && sameSpan(x, r))
      if (at >= 0) rows[at] = updated
    }
    return updated
  }

  /** After a result is labeled: the next one (the same place, when labeled ones are hidden). */
  function moveOn(r: SearchResult): void {
    const at = shown.value.indexOf(r)
    if (at < 0) select(index.value)
    else select(at + 1)
  }

  /**
   * Labels a result with a class: the clip when the result is the whole clip, else a region over
   * the result's window. Both are undoable edits, as labelling anywhere else.
   */
  const label = (r: SearchResult, c: ClassInfo) =>
    guarded(async () => {
      if (wholeClip(r)) {
        await api.invoke('labels:assign', { clipId: r.clipId, classId: c.id })
        status.value = `Labelled ${clipName(r)} ${c.name}`
      } else {
        await api.invoke('regions:create', { clipId: r.clipId, start: r.start, end: r.end, classId: c.id })
        status.value = `Region ${r.start.toFixed(2)}–${r.end.toFixed(2)} s of ${clipName(r)} labelled ${c.name}`
      }
      const next = wholeClip(r) ? { label: c.name, negative: false } : { spanLabel: c.name, negative: false }
      if (r.negative)
        await api.invoke('embeddings:negative', { clipId: r.clipId, start: r.start, end: r.end, negative: false })
      moveOn(replace(r, { ...r, ...next }))
    })

  /** Marks a result as none of the classes (background for heads), or takes the mark away. */
  const markNegative = (r: SearchResult) =>
    guarded(async () => {
      const negative = !r.negative
      await api.invoke('embeddings:negative', { clipId: r.clipId, start: r.start, end: r.end, negative })
      const updated = replace(r, { ...r, negative })
      status.value = negative
        ? `${clipName(r)} ${r.start.toFixed(2)}–${r.end.toFixed(2)} s marked as none of the classes`
        : `Mark taken off ${clipName(r)} ${r.start.toFixed(2)}–${r.end.toFixed(2)} s`
      if (negative) moveOn(updated)
    })

  /** Trains a head on the embeddings: labeled clips, regions, and windows marked as none. */
  const trainHead = () =>
    guarded(async () => {
      training.value = true
      try {
        const answer = await api.invoke('embeddings:head', space.value ? { base: space.value.basePath } : {})
        head.value = answer
        nextResults.value = answer.next.map((n) => ({
          clipId: n.clipId,
          path: n.path,
          clipDuration: n.clipDuration,
          start: n.start,
          end: n.end,
          // The grid's score of a window to label next: how near the head is to deciding it.
          score: 1 - n.margin,
          label: null,
          spanLabel: null,
          negative: false,
        }))
      } finally {
        training.value = false
      }
    })

  return {
    query,
    queryName,
    queryClass,
    spaces,
    spaceId,
    space,
    results,
    shown,
    index,
    current,
    hideLabeled,
    head,
    list,
    nextResults,
    show,
    training,
    searching,
    status,
    seconds,
    error,
    open,
    close,
    loadSpaces,
    search,
    select,
    label,
    markNegative,
    trainHead,
  }
})

/** A result's file name, without its folders. */
export const clipName = (r: { path: string }): string => r.path.split(/[\\/]/).pop() ?? r.path
