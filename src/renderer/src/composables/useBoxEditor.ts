import { computed, ref, watch, type Ref } from 'vue'
import type { ClassInfo, Region } from '@shared/domain'
import { fractionToFrequency, frequencyToFraction, type FrequencyAxis } from '@shared/spectrogram'
import { api } from '../api'
import { errorMessage } from '../stores/api-call'

/** Where the picture puts times and frequencies, as the spectrogram view maps them. */
export interface BoxGeometry {
  /** CSS pixels. */
  height: number
  x(seconds: number): number
  y(hz: number): number
  timeAt(px: number): number
  frequencyAt(py: number): number
  /** Seconds one CSS pixel of the visible window spans. */
  secondsPerPixel(): number
  /** The frequency axis boxes are placed by. */
  axis(): FrequencyAxis
  duration(): number
  nyquist(): number
}

/** What the box editor works on, and whom it tells. */
export interface BoxEditorOptions {
  geometry: BoxGeometry
  clipId(): number
  regions(): Region[]
  classById(): Map<number, ClassInfo>
  onSelect(id: number | null): void
  onStatus(message: string): void
}

/** A box in seconds and Hz. */
export interface Box {
  start: number
  end: number
  low: number
  high: number
}

/** Smallest box a drag makes, in CSS pixels each way; a smaller drag is a click. */
const MIN_DRAG = 4

/**
 * Time-frequency boxes on the spectrogram, edited with the pointer in wavesurfer's plugin spirit:
 * drag on empty ground to draw one, drag a box to move it, drag its edges to resize it. While a
 * drag lasts the box is a draft; on release it is written to the catalog, and the drafts go once
 * the catalog's regions come back.
 */
export function useBoxEditor(options: BoxEditorOptions): {
  boxes: Ref<{ id: number; box: Box; color: string; label: string }[]>
  drawing: Ref<Box | null>
  hover: Ref<{ px: number; py: number } | null>
  boxStyle(box: Box): Record<string, string>
  onPointerDown(event: PointerEvent): void
  onPointerMove(event: PointerEvent): void
  onPointerUp(event: PointerEvent): Promise<void>
  onPointerCancel(): void
} {
  const g = options.geometry

  type DragMode = 'draw' | 'move' | 'left' | 'right' | 'top' | 'bottom'
  interface Drag {
    mode: DragMode
    /** The box being moved or resized; null while drawing a new one. */
    id: number | null
    x0: number
    y0: number
    origin: Box
    pointerId: number
  }

  /** A box as the pointer has it while dragging, before the catalog has it (-1: the one being drawn). */
  const drafts = ref(new Map<number, Box>())
  let drag: Drag | null = null

  const boxes = computed(() =>
    options
      .regions()
      .filter((r) => r.lowFreq !== null && r.highFreq !== null)
      .map((r) => {
        const box = drafts.value.get(r.id) ?? { start: r.start, end: r.end, low: r.lowFreq ?? 0, high: r.highFreq ?? 0 }
        const c = r.classId === null ? undefined : options.classById().get(r.classId)
        return { id: r.id, box, color: c?.color ?? '#edc948', label: c?.name ?? 'unlabeled' }
      }),
  )
  const drawing = computed(() => drafts.value.get(-1) ?? null)

  function boxStyle(box: Box): Record<string, string> {
    const left = g.x(box.start)
    const top = g.y(box.high)
    return {
      left: `${left}px`,
      top: `${top}px`,
      width: `${Math.max(1, g.x(box.end) - left)}px`,
      height: `${Math.max(1, g.y(box.low) - top)}px`,
    }
  }

  function setDraft(id: number, box: Box | null): void {
    const next = new Map(drafts.value)
    if (box) next.set(id, box)
    else next.delete(id)
    drafts.value = next
  }

  function localPoint(event: PointerEvent): { px: number; py: number } {
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect()
    return { px: event.clientX - rect.left, py: Math.min(g.height, Math.max(0, event.clientY - rect.top)) }
  }

  function onPointerDown(event: PointerEvent): void {
    if (event.button !== 0 || g.duration() <= 0) return
    const target = event.target as HTMLElement
    const { px, py } = localPoint(event)
    const boxElement = target.closest<HTMLElement>('[data-box]')
    if (boxElement) {
      const id = Number(boxElement.dataset['box'])
      const found = boxes.value.find((b) => b.id === id)
      if (!found) return
      options.onSelect(id)
      drag = {
        mode: (target.dataset['edge'] as DragMode | undefined) ?? 'move',
        id,
        x0: px,
        y0: py,
        origin: { ...found.box },
        pointerId: event.pointerId,
      }
    } else {
      const t = g.timeAt(px)
      const f = g.frequencyAt(py)
      drag = {
        mode: 'draw',
        id: null,
        x0: px,
        y0: py,
        origin: { start: t, end: t, low: f, high: f },
        pointerId: event.pointerId,
      }
    }
    ;(event.currentTarget as HTMLElement).setPointerCapture(event.pointerId)
    event.preventDefault()
  }

  /** Where the pointer is over the picture, for the readout of its time and frequency. */
  const hover = ref<{ px: number; py: number } | null>(null)

  function onPointerMove(event: PointerEvent): void {
    hover.value = localPoint(event)
    if (!drag || event.pointerId !== drag.pointerId) return
    const { px, py } = localPoint(event)
    const o = drag.origin
    const duration = g.duration()
    const top = g.axis().fmax
    const clampT = (t: number) => Math.min(duration, Math.max(0, t))
    const minT = g.secondsPerPixel()
    const minF = (hz: number) => Math.max(1, top / g.height, hz * 0.01)
    let box: Box
    switch (drag.mode) {
      case 'draw': {
        const t0 = o.start
        const t1 = clampT(g.timeAt(px))
        const f1 = g.frequencyAt(py)
        box = { start: Math.min(t0, t1), end: Math.max(t0, t1), low: Math.min(o.low, f1), high: Math.max(o.low, f1) }
        break
      }
      case 'move': {
        const dt = g.timeAt(px) - g.timeAt(drag.x0)
        const shift = Math.min(duration - o.end, Math.max(-o.start, dt))
        // Move in the axis's own units (mels on a mel axis), so a box keeps its drawn height.
        const scale = g.axis().scale
        const lowFraction = frequencyToFraction(o.low, top, scale)
        const highFraction = frequencyToFraction(o.high, top, scale)
        const df = Math.min(1 - highFraction, Math.max(-lowFraction, (drag.y0 - py) / g.height))
        box = {
          start: o.start + shift,
          end: o.end + shift,
          low: fractionToFrequency(lowFraction + df, top, scale),
          high: fractionToFrequency(highFraction + df, top, scale),
        }
        break
      }
      case 'left':
        box = { ...o, start: Math.min(clampT(g.timeAt(px)), o.end - minT) }
        break
      case 'right':
        box = { ...o, end: Math.max(clampT(g.timeAt(px)), o.start + minT) }
        break
      case 'top':
        box = { ...o, high: Math.max(g.frequencyAt(py), o.low + minF(o.low)) }
        break
      case 'bottom':
        box = { ...o, low: Math.min(g.frequencyAt(py), o.high - minF(o.high)) }
        break
    }
    setDraft(drag.id ?? -1, box)
  }

  async function onPointerUp(event: PointerEvent): Promise<void> {
    const current = drag
    if (!current || event.pointerId !== current.pointerId) return
    drag = null
    const { px, py } = localPoint(event)
    const id = current.id ?? -1
    const box = drafts.value.get(id)
    const moved = Math.abs(px - current.x0) >= MIN_DRAG || Math.abs(py - current.y0) >= MIN_DRAG
    if (!box || !moved) {
      setDraft(id, null)
      if (current.mode === 'draw') options.onSelect(null)
      return
    }
    const fields = {
      start: box.start,
      end: Math.min(g.duration(), box.end),
      lowFreq: Math.max(0, box.low),
      highFreq: Math.min(g.nyquist(), box.high),
    }
    try {
      if (current.id === null) {
        if (g.x(box.end) - g.x(box.start) < MIN_DRAG || g.y(box.low) - g.y(box.high) < MIN_DRAG) return
        const created = await api.invoke('regions:create', { clipId: options.clipId(), ...fields })
        options.onSelect(created.id)
        options.onStatus('Box added: press a class key to label it')
      } else {
        await api.invoke('regions:update', { id: current.id, ...fields })
      }
    } catch (e) {
      options.onStatus(errorMessage(e))
    } finally {
      setDraft(id, null)
    }
  }

  function onPointerCancel(): void {
    if (drag) setDraft(drag.id ?? -1, null)
    drag = null
  }

  // The catalog's answer arrived: drafts of boxes it now has are no longer needed.
  watch(options.regions, () => {
    if (!drag && drafts.value.size > 0) drafts.value = new Map()
  })

  return { boxes, drawing, hover, boxStyle, onPointerDown, onPointerMove, onPointerUp, onPointerCancel }
}
