import { SPECTROGRAM_COLORMAPS } from '@shared/spectrogram'

/** Colour maps the spectrogram offers (the project settings' schema accepts exactly these). */
export const COLORMAP_NAMES = SPECTROGRAM_COLORMAPS
/** A colour map's name. */
export type ColormapName = (typeof COLORMAP_NAMES)[number]

// matplotlib's perceptually uniform maps, sampled at 11 evenly spaced points (as d3-scale-chromatic
// lists them); linear interpolation between them stays within a few units of the full tables.
const STOPS: Record<ColormapName, string[]> = {
  viridis: [
    '440154',
    '482475',
    '414487',
    '355f8d',
    '2a788e',
    '21918c',
    '22a884',
    '44bf70',
    '7ad151',
    'bddf26',
    'fde725',
  ],
  magma: ['000004', '140e36', '3b0f70', '641a80', '8c2981', 'b73779', 'de4968', 'f7705c', 'fe9f6d', 'fecf92', 'fcfdbf'],
  grey: ['000000', 'ffffff'],
}

/** The colour at t in [0, 1] as [r, g, b]. */
export function colorAt(name: ColormapName, t: number): [number, number, number] {
  const stops = STOPS[name]
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(x))
  const f = x - i
  const a = parseInt(stops[i] as string, 16)
  const b = parseInt(stops[i + 1] as string, 16)
  const mix = (shift: number) => Math.round(((a >> shift) & 255) * (1 - f) + ((b >> shift) & 255) * f)
  return [mix(16), mix(8), mix(0)]
}

/**
 * A lookup table from the spectrogram's bytes (byte 0 = `byteFloorDb`, 255 = `byteCeilingDb`) to
 * RGBA pixels (little-endian Uint32, as ImageData's buffer reads them), showing [minDb, maxDb]
 * across the colour map: the dB range changes without asking the studio again.
 */
export function byteLut(
  name: ColormapName,
  byteFloorDb: number,
  byteCeilingDb: number,
  minDb: number,
  maxDb: number,
): Uint32Array {
  const lut = new Uint32Array(256)
  const span = Math.max(1e-6, maxDb - minDb)
  for (let v = 0; v < 256; v++) {
    const db = byteFloorDb + (v / 255) * (byteCeilingDb - byteFloorDb)
    const [r, g, b] = colorAt(name, (db - minDb) / span)
    lut[v] = (255 << 24) | (b << 16) | (g << 8) | r
  }
  return lut
}
