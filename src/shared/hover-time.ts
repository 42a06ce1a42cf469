/**
 * A moment in a clip as the hover readouts show it, as fine as the clip's length calls for: a
 * spoken digit lasts a fraction of a second, so "0:00" would say nothing there. Under 10 s in
 * milliseconds ("0.253 s"), under a minute in hundredths ("12.25 s"), longer as minutes and
 * seconds to a tenth ("1:05.3").
 */
export function hoverTime(seconds: number, duration: number): string {
  const t = Math.max(0, seconds)
  if (duration < 10) return `${t.toFixed(3)} s`
  if (duration < 60) return `${t.toFixed(2)} s`
  const tenths = Math.round(t * 10)
  const minutes = Math.floor(tenths / 600)
  const rest = (tenths - minutes * 600) / 10
  return `${minutes}:${rest.toFixed(1).padStart(4, '0')}`
}
