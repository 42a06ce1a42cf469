import { computed, onMounted, onScopeDispose, ref, shallowRef, watch } from 'vue'
import type WaveSurfer from 'wavesurfer.js'
import {
  frequencyToY,
  SPECTROGRAM_LIMITS,
  yToFrequency,
  type FrequencyAxis,
  type SpectrogramImage,
  type SpectrogramRequest,
} from '@shared/spectrogram'
import { fetchSpectrogram } from '../api/media'
import { byteLut } from '../lib/colormaps'
import { errorMessage } from '../stores/api-call'
import { useSpectrogramStore } from '../stores/spectrogram'

/** What the spectrogram follows: the clip, and the waveform whose window it shows. */
export interface SpectrogramSource {
  clipId(): number
  wavesurfer(): WaveSurfer | null
  /** Seconds. */
  duration(): number
  sampleRate(): number
  /** The waveform of this clip is drawn (or failed): a short clip's spectrogram waits for it. */
  waveformSettled(): boolean
  /** CSS pixels, fixed for the view's life. */
  height: number
}

/**
 * Clips at least this long ask for their spectrogram at once, while their peaks are still being
 * computed; a shorter one asks once its waveform is drawn, so that the label-to-next-clip path
 * (peaks in hand, drawing only) shares the two cores with nothing.
 */
const EARLY_FETCH_SECONDS = 30
/** Wait for the scroll or zoom to settle before asking for a new window. */
const REFETCH_DELAY_MS = 120

/**
 * The spectrogram's picture, for the visible window only: it follows the waveform's scroll and
 * zoom (stretching the image it has at once, then asking the studio for the new window,
 * debounced), maps the bytes through the colour map and paints them. Returns the element refs to
 * bind, the window, and the mapping between pixels and seconds or Hz that boxes and ticks use.
 */
export function useSpectrogramImage(source: SpectrogramSource) {
  const store = useSpectrogramStore()
  const root = ref<HTMLElement | null>(null)
  const canvas = ref<HTMLCanvasElement | null>(null)
  const width = ref(0)
  const view = ref({ start: 0, end: 0 })
  const image = shallowRef<SpectrogramImage | null>(null)
  const state = ref<'loading' | 'ready' | 'error'>('loading')
  const error = ref<string | null>(null)
  let colored: HTMLCanvasElement | null = null
  let controller: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let lastKey = ''

  const nyquist = computed(() => source.sampleRate() / 2)
  const fmax = computed(() => (store.settings.fmax > 0 ? Math.min(store.settings.fmax, nyquist.value) : nyquist.value))

  // --- the visible window -------------------------------------------------------------------------

  /** Reads the waveform's visible window (seconds) and this element's width. */
  function readWindow(): void {
    const element = root.value
    width.value = element?.clientWidth ?? 0
    const ws = source.wavesurfer()
    const duration = source.duration()
    if (!ws || duration <= 0 || width.value <= 0) {
      view.value = { start: 0, end: duration }
      return
    }
    const shown = ws.getWidth() || width.value
    // Wavesurfer stretches a short clip to fill its container (fillParent) and zooms no further out.
    const pxPerSec = Math.max(ws.options.minPxPerSec, shown / duration)
    const start = Math.min(duration, ws.getScroll() / pxPerSec)
    view.value = { start, end: Math.min(duration, start + shown / pxPerSec) }
  }

  const x = (t: number) => ((t - view.value.start) / Math.max(1e-9, view.value.end - view.value.start)) * width.value
  const timeAt = (px: number) =>
    view.value.start + (px / Math.max(1, width.value)) * (view.value.end - view.value.start)
  /**
   * The frequency axis boxes and ticks are placed by: the picture's own while one is shown (after a
   * change of scale or top frequency the old picture stays up until the new one comes), else the
   * settings'. Boxes then always sit on the rows that show their frequencies.
   */
  const axis = computed<FrequencyAxis>(() => {
    const img = image.value
    return img ? { fmax: img.fmax, scale: img.scale } : { fmax: fmax.value, scale: store.settings.scale }
  })
  const y = (hz: number) => frequencyToY(hz, axis.value, source.height)
  const frequencyAt = (py: number) => yToFrequency(py, axis.value, source.height)

  // --- drawing --------------------------------------------------------------------------------------

  /** Paints the bytes through the colour map into an offscreen canvas the size of the image. */
  function colorize(): void {
    const img = image.value
    if (!img) {
      colored = null
      return
    }
    const { colormap, minDb, maxDb } = store.settings
    const lut = byteLut(colormap, img.dbFloor, img.dbCeiling, minDb, maxDb)
    colored ??= document.createElement('canvas')
    colored.width = img.cols
    colored.height = img.rows
    const data = new ImageData(img.cols, img.rows)
    const out = new Uint32Array(data.data.buffer)
    const pixels = img.pixels
    for (let i = 0; i < pixels.length; i++) out[i] = lut[pixels[i] as number] as number
    colored.getContext('2d')?.putImageData(data, 0, 0)
  }

  /** Draws the image it has where its window falls in the visible one (stretched until the new one comes). */
  function paint(): void {
    const element = canvas.value
    if (!element) return
    const dpr = window.devicePixelRatio || 1
    const w = Math.max(1, Math.round(width.value * dpr))
    const h = Math.round(source.height * dpr)
    if (element.width !== w) element.width = w
    if (element.height !== h) element.height = h
    const context = element.getContext('2d')
    if (!context) return
    context.fillStyle = '#0b0c0f'
    context.fillRect(0, 0, w, h)
    const img = image.value
    if (!img || !colored) return
    const left = (x(img.start) / Math.max(1, width.value)) * w
    const right = (x(img.end) / Math.max(1, width.value)) * w
    context.imageSmoothingEnabled = true
    context.drawImage(colored, 0, 0, img.cols, img.rows, left, 0, right - left, h)
  }

  // --- fetching -------------------------------------------------------------------------------------

  /** Columns per second the visible window needs (device pixels). */
  function resolution(): number {
    const { start, end } = view.value
    return (width.value * Math.min(2, window.devicePixelRatio || 1)) / Math.max(1e-9, end - start)
  }

  /**
   * The window to ask for: the visible one, and when zoomed in half as much again on each side (as
   * far as the column limit allows), so that scrolling and playback show spectrogram at once and
   * ask again only when they leave it.
   */
  function request(): SpectrogramRequest | null {
    const { start, end } = view.value
    if (!(end > start) || width.value <= 0) return null
    const perSecond = resolution()
    const span = end - start
    const margin = Math.max(0, Math.min(span / 2, (SPECTROGRAM_LIMITS.maxCols / perSecond - span) / 2))
    const from = Math.max(0, start - margin)
    const to = Math.min(source.duration(), end + margin)
    // To the query's precision, so the same window computed two ways is one request.
    const round = (t: number) => Math.round(t * 1e4) / 1e4
    return {
      start: round(from),
      end: round(Math.max(to, end)),
      cols: Math.min(SPECTROGRAM_LIMITS.maxCols, Math.max(1, Math.round((Math.max(to, end) - from) * perSecond))),
      rows: Math.min(SPECTROGRAM_LIMITS.maxRows, Math.round(source.height * Math.min(2, window.devicePixelRatio || 1))),
      nFft: store.settings.nFft,
      scale: store.settings.scale,
      fmax: fmax.value,
    }
  }

  /** Whether the image shows the whole visible window at (about) the resolution it needs. */
  function covered(): boolean {
    const img = image.value
    if (!img || state.value !== 'ready') return false
    const { start, end } = view.value
    const slack = 1e-3
    const imgPerSecond = img.cols / Math.max(1e-9, img.end - img.start)
    return (
      img.start <= start + slack &&
      img.end >= Math.min(end, source.duration()) - slack &&
      Math.abs(imgPerSecond / resolution() - 1) < 0.03 &&
      img.nFft === store.settings.nFft &&
      img.scale === store.settings.scale &&
      Math.abs(img.fmax - fmax.value) < 1
    )
  }

  async function fetchNow(): Promise<void> {
    clearTimeout(timer)
    const wanted = request()
    if (!wanted) return
    const clipId = source.clipId()
    const key = JSON.stringify([clipId, wanted])
    if (key === lastKey) return
    lastKey = key
    controller?.abort()
    const own = new AbortController()
    controller = own
    state.value = 'loading'
    try {
      const img = await fetchSpectrogram(clipId, wanted, own.signal)
      if (own !== controller) return
      image.value = img
      colorize()
      paint()
      error.value = null
      state.value = 'ready'
    } catch (e) {
      if (own.signal.aborted) return
      lastKey = ''
      error.value = errorMessage(e)
      state.value = 'error'
    }
  }

  /** Longest a stream of scroll events (playback, a long drag) may put off the next request. */
  const MAX_WAIT_MS = 400
  let waitingSince = 0

  function schedule(delay = REFETCH_DELAY_MS): void {
    clearTimeout(timer)
    const now = performance.now()
    if (waitingSince === 0) waitingSince = now
    const wait = Math.max(0, Math.min(delay, waitingSince + MAX_WAIT_MS - now))
    timer = setTimeout(() => {
      waitingSince = 0
      void fetchNow()
    }, wait)
  }

  /** The waveform moved (scroll, zoom, resize, a new clip drawn): follow at once, refetch when needed. */
  function follow(delay = REFETCH_DELAY_MS): void {
    readWindow()
    paint()
    if (covered()) {
      clearTimeout(timer)
      waitingSince = 0
    } else schedule(delay)
  }

  let unsubscribe: (() => void)[] = []
  watch(
    () => source.wavesurfer(),
    (ws) => {
      unsubscribe.forEach((off) => off())
      unsubscribe = ws
        ? [
            ws.on('ready', () => follow(0)),
            ws.on('scroll', () => follow()),
            ws.on('zoom', () => follow()),
            ws.on('redrawcomplete', () => follow()),
          ]
        : []
    },
    { immediate: true },
  )

  // A new clip: drop the old picture at once. When the waveform shows whole clips (not zoomed in),
  // the window is the whole clip, known now: a long clip asks at once rather than after its waveform.
  watch(
    () => source.clipId(),
    () => {
      controller?.abort()
      controller = null
      lastKey = ''
      image.value = null
      colored = null
      state.value = 'loading'
      const zoomed = (source.wavesurfer()?.options.minPxPerSec ?? 0) > 0
      width.value = root.value?.clientWidth ?? 0
      view.value = { start: 0, end: source.duration() }
      paint()
      if (!zoomed && (source.waveformSettled() || source.duration() >= EARLY_FETCH_SECONDS)) void fetchNow()
    },
  )
  watch(
    () => source.waveformSettled(),
    (settled) => {
      if (settled) follow(0)
    },
  )

  watch(
    () => [store.settings.nFft, store.settings.scale, store.settings.fmax],
    () => void fetchNow(),
  )
  watch(
    () => [store.settings.colormap, store.settings.minDb, store.settings.maxDb],
    () => {
      colorize()
      paint()
    },
  )

  let resize: ResizeObserver | undefined
  onMounted(() => {
    resize = new ResizeObserver(() => follow())
    if (root.value) resize.observe(root.value)
    follow(0)
  })
  onScopeDispose(() => {
    unsubscribe.forEach((off) => off())
    resize?.disconnect()
    clearTimeout(timer)
    controller?.abort()
  })

  return { root, canvas, width, view, image, state, error, nyquist, axis, x, y, timeAt, frequencyAt }
}
