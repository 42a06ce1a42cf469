import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { SPECTROGRAM_SCALES, type SpectrogramScale } from '@shared/spectrogram'
import { COLORMAP_NAMES, type ColormapName } from '../lib/colormaps'

/** The spectrogram's display settings, as a person leaves them. */
export interface SpectrogramSettings {
  colormap: ColormapName
  nFft: number
  scale: SpectrogramScale
  /** The dB range across the colour map (relative to full scale). */
  minDb: number
  maxDb: number
  /** Top of the frequency axis, Hz; 0 means the clip's Nyquist frequency. */
  fmax: number
}

const KEY = 'earmark.spectrogram'
const DEFAULTS: SpectrogramSettings = {
  colormap: 'viridis',
  nFft: 1024,
  scale: 'linear',
  minDb: -100,
  maxDb: -20,
  fmax: 0,
}

function restore(): SpectrogramSettings {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<SpectrogramSettings>
    return {
      colormap: COLORMAP_NAMES.includes(saved.colormap as ColormapName)
        ? (saved.colormap as ColormapName)
        : DEFAULTS.colormap,
      nFft: typeof saved.nFft === 'number' ? saved.nFft : DEFAULTS.nFft,
      scale: SPECTROGRAM_SCALES.includes(saved.scale as SpectrogramScale)
        ? (saved.scale as SpectrogramScale)
        : DEFAULTS.scale,
      minDb: typeof saved.minDb === 'number' ? saved.minDb : DEFAULTS.minDb,
      maxDb: typeof saved.maxDb === 'number' ? saved.maxDb : DEFAULTS.maxDb,
      fmax: typeof saved.fmax === 'number' ? saved.fmax : DEFAULTS.fmax,
    }
  } catch {
    return { ...DEFAULTS }
  }
}

/** Spectrogram settings, kept across clips and sessions (in the page's local storage). */
export const useSpectrogramStore = defineStore('spectrogram', () => {
  const settings = ref<SpectrogramSettings>(restore())
  watch(settings, (value) => localStorage.setItem(KEY, JSON.stringify(value)), { deep: true })
  return { settings, reset: () => (settings.value = { ...DEFAULTS }) }
})
