import { describe, expect, it } from 'vitest'
import { noun, plural } from '@shared/plural'

describe('counted nouns', () => {
  it('says one clip, and clips for every other count', () => {
    expect(plural(1, 'clip')).toBe('1 clip')
    expect(plural(0, 'clip')).toBe('0 clips')
    expect(plural(2, 'clip')).toBe('2 clips')
    expect(plural(1500, 'file')).toBe('1500 files')
  })

  it('adds "es" after a hissing ending and takes an irregular plural when given', () => {
    expect(plural(3, 'class')).toBe('3 classes')
    expect(plural(1, 'class')).toBe('1 class')
    expect(plural(2, 'box')).toBe('2 boxes')
    expect(plural(2, 'group has', 'groups have')).toBe('2 groups have')
    expect(plural(1, 'group has', 'groups have')).toBe('1 group has')
  })

  it('gives the noun alone for a count shown elsewhere', () => {
    expect(noun(1, 'trial')).toBe('trial')
    expect(noun(20, 'trial')).toBe('trials')
  })
})
