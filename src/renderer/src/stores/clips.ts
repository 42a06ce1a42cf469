import { errorMessage } from './api-call'
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type { ClipFilter, ClipRow, ClipSortColumn } from '@shared/domain'
import { api } from '../api'

/** Rows fetched per request. */
const PAGE = 200

/**
 * The clip browser: filter and sort (both applied by the catalog, not here), the pages loaded so
 * far, and the clip being labelled. Rows arrive page by page as the list scrolls.
 */
export const useClipsStore = defineStore('clips', () => {
  const filter = ref<ClipFilter>({})
  const sort = ref<{ column: ClipSortColumn; direction: 'asc' | 'desc' }>({ column: 'name', direction: 'asc' })
  const total = ref(0)
  const pages = shallowRef(new Map<number, ClipRow[]>())
  const loading = new Set<number>()
  const currentId = ref<number | null>(null)
  /** Where a label key moves on to: the next unlabeled clip, or simply the next in the list. */
  const advance = ref<'unlabeled' | 'list' | 'stay'>('unlabeled')
  const autoplay = ref(true)
  const error = ref<string | null>(null)
  /** Bumped on every reload, so answers to stale requests are dropped. */
  let generation = 0

  const rowAt = (index: number): ClipRow | undefined => pages.value.get(Math.floor(index / PAGE))?.[index % PAGE]
  const current = computed(() => {
    for (const rows of pages.value.values()) {
      const row = rows.find((r) => r.id === currentId.value)
      if (row) return row
    }
    return undefined
  })

  async function loadPage(page: number): Promise<void> {
    if (pages.value.has(page) || loading.has(page)) return
    loading.add(page)
    const asked = generation
    try {
      const result = await api.invoke('clips:query', {
        filter: filter.value,
        sort: sort.value,
        offset: page * PAGE,
        limit: PAGE,
      })
      if (asked !== generation) return
      total.value = result.total
      pages.value.set(page, result.rows)
      triggerRef(pages)
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.delete(page)
    }
  }

  /** Makes sure rows [start, end) are loaded. */
  async function ensureRange(start: number, end: number): Promise<void> {
    const pending: Promise<void>[] = []
    for (let page = Math.floor(start / PAGE); page <= Math.floor(Math.max(start, end - 1) / PAGE); page++) {
      pending.push(loadPage(page))
    }
    await Promise.all(pending)
  }

  /** Drops every loaded page and loads the first again (after a filter or sort change). */
  async function reload(): Promise<void> {
    generation++
    pages.value = new Map()
    loading.clear()
    await loadPage(0)
  }

  function setFilter(next: ClipFilter) {
    filter.value = next
    void reload()
  }

  function sortBy(column: ClipSortColumn) {
    sort.value =
      sort.value.column === column
        ? { column, direction: sort.value.direction === 'asc' ? 'desc' : 'asc' }
        : { column, direction: 'asc' }
    void reload()
  }

  /** Puts a changed clip's new state into the loaded pages (labels, flags, regions). */
  function patch(row: ClipRow) {
    for (const rows of pages.value.values()) {
      const index = rows.findIndex((r) => r.id === row.id)
      if (index >= 0) {
        rows[index] = row
        triggerRef(pages)
      }
    }
  }

  /** The clip after (or before) clip `from` (default: the current one) among those matching the filter (and `also`). */
  async function neighbor(
    direction: 'next' | 'previous',
    also: ClipFilter = {},
    from: number | null = currentId.value,
  ): Promise<number | null> {
    if (from === null) return null
    const { id } = await api.invoke('clips:neighbor', {
      id: from,
      filter: { ...filter.value, ...also },
      sort: sort.value,
      step: direction,
    })
    return id
  }

  /** Up to `count` clips after (or before) clip `from`, nearest first, among those matching the filter (and `also`). */
  async function neighbors(
    direction: 'next' | 'previous',
    also: ClipFilter,
    from: number,
    count: number,
  ): Promise<number[]> {
    const { ids } = await api.invoke('clips:neighbor', {
      id: from,
      filter: { ...filter.value, ...also },
      sort: sort.value,
      step: direction,
      count,
    })
    return ids
  }

  /** Moves to the clip after (or before) the current one among those matching the filter (and `also`). */
  async function step(direction: 'next' | 'previous', also: ClipFilter = {}): Promise<number | null> {
    const id = await neighbor(direction, also)
    if (id !== null) currentId.value = id
    return id
  }

  api.on('clip:changed', patch)

  return {
    filter,
    sort,
    total,
    pages,
    currentId,
    current,
    advance,
    autoplay,
    error,
    rowAt,
    ensureRange,
    reload,
    setFilter,
    sortBy,
    patch,
    neighbor,
    neighbors,
    step,
    select: (id: number) => (currentId.value = id),
  }
})
