import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import WaveSurfer from 'wavesurfer.js'
import HoverPlugin from 'wavesurfer.js/plugins/hover'
import MinimapPlugin from 'wavesurfer.js/plugins/minimap'
import RegionsPlugin from 'wavesurfer.js/plugins/regions'
import TimelinePlugin from 'wavesurfer.js/plugins/timeline'
import { hoverTime } from '@shared/hover-time'

/**
 * Clips at least this long get a minimap. The plugin builds a second WaveSurfer (with its own
 * media element) on every load, a cost a short clip, shown whole anyway, need not pay.
 */
export const MINIMAP_MIN_SECONDS = 30

/** Options of the waveform view. */
export interface UseWaveSurferOptions {
  height?: number
  waveColor?: string
  progressColor?: string
}

/** The waveform view's state and controls. */
export interface UseWaveSurferReturn {
  wavesurfer: Ref<WaveSurfer | null>
  regions: Ref<ReturnType<typeof RegionsPlugin.create> | null>
  currentTime: Ref<number>
  duration: Ref<number>
  playing: Ref<boolean>
  /** Pixels per second; 0 fits the whole clip. */
  zoom: Ref<number>
  rate: Ref<number>
  /**
   * Loads audio by URL with precomputed peaks, so nothing is decoded in the page; resolves once
   * the waveform is drawn.
   */
  load(url: string, peaks: Float32Array, duration: number): Promise<void>
  playPause(): void
  play(): void
  seekBy(seconds: number): void
  zoomBy(factor: number): void
  setRate(rate: number): void
}

/** Time-axis spacings, in seconds, by clip length: notches, labelled notches, faint labels. */
const TIMELINE_SCALES = {
  tenths: { timeInterval: 0.01, primaryLabelInterval: 0.1, secondaryLabelInterval: 0.05 },
  seconds: { timeInterval: 0.1, primaryLabelInterval: 1, secondaryLabelInterval: 0.5 },
  // wavesurfer's own choice from the zoom, good from ten seconds up.
  auto: {},
} as const
type TimelineScale = keyof typeof TIMELINE_SCALES

/** The time-axis spacing for a clip this long. */
const timelineScaleFor = (seconds: number): TimelineScale =>
  seconds < 1 ? 'tenths' : seconds < 10 ? 'seconds' : 'auto'

/**
 * One WaveSurfer instance bound to a container, with regions, a time axis, a minimap and a hover
 * cursor. Destroyed with the component that called this.
 */
export function useWaveSurfer(
  container: Ref<HTMLElement | null>,
  minimapContainer: Ref<HTMLElement | null>,
  options: UseWaveSurferOptions = {},
): UseWaveSurferReturn {
  const wavesurfer = shallowRef<WaveSurfer | null>(null)
  const regions = shallowRef<ReturnType<typeof RegionsPlugin.create> | null>(null)
  const currentTime = ref(0)
  const duration = ref(0)
  const playing = ref(false)
  const zoom = ref(0)
  const rate = ref(1)
  const teardowns: (() => void)[] = []
  let minimap: ReturnType<typeof MinimapPlugin.create> | null = null

  let timeline: ReturnType<typeof TimelinePlugin.create> | null = null
  let timelineScale: TimelineScale | null = null

  /**
   * Gives the time axis notches and labels fit for the clip's length before it loads:
   * wavesurfer's own axis counts whole seconds, so a spoken digit's showed "0" and nothing else.
   */
  const fitTimeline = (ws: WaveSurfer, seconds: number) => {
    const scale = timelineScaleFor(seconds)
    if (timeline && timelineScale === scale) return
    if (timeline) ws.unregisterPlugin(timeline)
    timeline = ws.registerPlugin(
      TimelinePlugin.create({
        height: 18,
        style: { color: '#8b93a1', fontSize: '11px' },
        ...TIMELINE_SCALES[scale],
      }),
    )
    timelineScale = scale
  }

  /** Adds the minimap before a long clip loads, and drops it before a short one. */
  const fitMinimap = (ws: WaveSurfer, seconds: number) => {
    const wanted = seconds >= MINIMAP_MIN_SECONDS && minimapContainer.value !== null
    if (wanted && !minimap) {
      minimap = ws.registerPlugin(
        MinimapPlugin.create({
          container: minimapContainer.value ?? undefined,
          height: 24,
          waveColor: '#3b4455',
          progressColor: '#6b7a94',
        }),
      )
    } else if (!wanted && minimap) {
      ws.unregisterPlugin(minimap)
      minimap = null
    }
  }

  const create = (element: HTMLElement) => {
    const regionsPlugin = RegionsPlugin.create()
    const ws = WaveSurfer.create({
      container: element,
      height: options.height ?? 128,
      waveColor: options.waveColor ?? '#4e79a7',
      progressColor: options.progressColor ?? '#9ecae9',
      cursorColor: '#e6e8eb',
      normalize: true,
      dragToSeek: false,
      autoScroll: true,
      autoCenter: true,
      plugins: [
        regionsPlugin,
        HoverPlugin.create({
          lineColor: '#edc948',
          labelBackground: '#15171c',
          labelColor: '#e6e8eb',
          // wavesurfer's own label counts whole seconds: every moment of a spoken digit read 0:00.
          formatTimeCallback: (seconds) => hoverTime(seconds, ws.getDuration()),
        }),
      ],
    })
    teardowns.push(
      ws.on('timeupdate', (t) => (currentTime.value = t)),
      ws.on('play', () => (playing.value = true)),
      ws.on('pause', () => (playing.value = false)),
      ws.on('finish', () => (playing.value = false)),
      ws.on('ready', (d) => (duration.value = d)),
    )
    wavesurfer.value = ws
    regions.value = regionsPlugin
  }

  const stop = watch(
    container,
    (element) => {
      if (element && !wavesurfer.value) create(element)
    },
    { immediate: true },
  )

  onScopeDispose(() => {
    stop()
    teardowns.forEach((teardown) => teardown())
    wavesurfer.value?.destroy()
    wavesurfer.value = null
  })

  return {
    wavesurfer,
    regions,
    currentTime,
    duration,
    playing,
    zoom,
    rate,
    async load(url, peaks, seconds) {
      const ws = wavesurfer.value
      if (!ws) return
      duration.value = seconds
      currentTime.value = 0
      fitMinimap(ws, seconds)
      fitTimeline(ws, seconds)
      // Drawing completes after load() resolves: wait for it (or give up after a while, so a
      // page that never paints, such as a hidden one, does not stall the next load).
      const drawn = new Promise<void>((resolve) => {
        const timer = setTimeout(finish, 2000)
        const off = ws.on('redrawcomplete', finish)
        function finish() {
          clearTimeout(timer)
          off()
          resolve()
        }
      })
      await ws.load(url, [peaks], seconds)
      await drawn
      if (zoom.value > 0) ws.zoom(zoom.value)
      ws.setPlaybackRate(rate.value, true)
    },
    playPause: () => void wavesurfer.value?.playPause().catch(() => undefined),
    play: () => void wavesurfer.value?.play().catch(() => undefined),
    seekBy(seconds) {
      const ws = wavesurfer.value
      if (!ws || duration.value <= 0) return
      ws.setTime(Math.min(duration.value, Math.max(0, ws.getCurrentTime() + seconds)))
    },
    zoomBy(factor) {
      const ws = wavesurfer.value
      const element = container.value
      if (!ws || !element || duration.value <= 0) return
      const fit = element.clientWidth / duration.value
      const next = Math.max(fit, Math.min(5000, (zoom.value || fit) * factor))
      zoom.value = next <= fit * 1.001 ? 0 : next
      ws.zoom(zoom.value)
    },
    setRate(next) {
      rate.value = next
      wavesurfer.value?.setPlaybackRate(next, true)
    },
  }
}
