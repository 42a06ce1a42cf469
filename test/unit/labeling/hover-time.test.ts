import { describe, expect, it } from 'vitest'
import { hoverTime } from '../../../src/shared/hover-time'

describe('the hover readout of a moment in a clip', () => {
  it('shows milliseconds on a sub-second clip, not 0:00', () => {
    expect(hoverTime(0.2534, 0.3)).toBe('0.253 s')
    expect(hoverTime(0, 0.3)).toBe('0.000 s')
    expect(hoverTime(-0.001, 0.3)).toBe('0.000 s')
  })

  it('gets coarser as clips get longer', () => {
    expect(hoverTime(12.254, 30)).toBe('12.25 s')
    expect(hoverTime(65.34, 600)).toBe('1:05.3')
    expect(hoverTime(59.99, 600)).toBe('1:00.0')
    expect(hoverTime(3.04, 600)).toBe('0:03.0')
  })
})
