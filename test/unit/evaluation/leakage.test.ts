import { describe, expect, it } from 'vitest'
import { findLeakage, type LeakageClip } from '../../../src/main/core/evaluation'

let nextId = 1
/** A clip with its own audio unless a hash is given. */
function clip(side: LeakageClip['side'], group: string | null, label = 'a', contentHash?: string): LeakageClip {
  const id = nextId++
  return { id, side, group, label, contentHash: contentHash ?? `hash-${id}` }
}

describe('split leakage', () => {
  it('reports nothing for a split by group with distinct audio', () => {
    const report = findLeakage([
      clip('train', 'ann'),
      clip('train', 'ann'),
      clip('val', 'bob'),
      clip('test', 'cat'),
      clip('test', 'cat'),
    ])
    expect(report).toEqual({
      groups: [],
      duplicates: [],
      leakingTestClips: 0,
      summary: 'no group and no recording is on both sides of the split',
    })
  })

  it('reports nothing for an empty split', () => {
    expect(findLeakage([])).toMatchObject({ groups: [], duplicates: [], leakingTestClips: 0 })
  })

  it('lists groups on both sides with their clips per side, counting validation as training', () => {
    const report = findLeakage([
      clip('train', 'ann', 'a'),
      clip('val', 'ann', 'b'),
      clip('test', 'ann', 'a'),
      clip('train', 'bob'),
      clip('test', 'bob'),
      clip('test', 'bob'),
      clip('val', 'cat'),
      clip('test', 'cat'),
      clip('train', 'dan'),
      clip('test', 'eve'),
    ])
    expect(report.groups).toEqual([
      { group: 'bob', train: 1, test: 2, labels: ['a'] },
      { group: 'ann', train: 2, test: 1, labels: ['a', 'b'] },
      { group: 'cat', train: 1, test: 1, labels: ['a'] },
    ])
    expect(report.duplicates).toEqual([])
    expect(report.leakingTestClips).toBe(4)
    expect(report.summary).toBe(
      '3 groups have clips in both training and test (bob, ann, cat) — scores will be optimistic; hold whole groups out to test (the Split editor, or earmark split --by group)',
    )
  })

  it('ignores clips without a group', () => {
    const report = findLeakage([clip('train', null), clip('test', null), clip('val', null)])
    expect(report.groups).toEqual([])
    expect(report.leakingTestClips).toBe(0)
  })

  it('reports identical audio on both sides with its clip ids and labels', () => {
    nextId = 100
    const report = findLeakage([
      clip('train', null, 'dog', 'same'),
      clip('test', null, 'cat', 'same'),
      clip('val', null, 'dog', 'same'),
      clip('train', null, 'dog', 'twice'),
      clip('test', null, 'dog', 'twice'),
    ])
    expect(report.duplicates).toEqual([
      { contentHash: 'same', trainClipIds: [100, 102], testClipIds: [101], labels: ['cat', 'dog'] },
      { contentHash: 'twice', trainClipIds: [103], testClipIds: [104], labels: ['dog'] },
    ])
    expect(report.leakingTestClips).toBe(2)
    expect(report.summary).toBe(
      "2 recordings are identical on both sides — scores will be optimistic; keep each recording's copies on one side",
    )
  })

  it('does not report copies of a recording that all sit on one side', () => {
    const report = findLeakage([
      clip('train', null, 'a', 'x'),
      clip('val', null, 'a', 'x'),
      clip('test', null, 'a', 'y'),
      clip('test', null, 'a', 'y'),
    ])
    expect(report.duplicates).toEqual([])
    expect(report.leakingTestClips).toBe(0)
  })

  it('counts a test clip leaking twice (group and audio) once, and names five groups at most', () => {
    const clips = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7'].flatMap((g) => [clip('train', g), clip('test', g)])
    const copied = clips[1] as LeakageClip
    clips.push(clip('train', 'other', 'a', copied.contentHash))
    const report = findLeakage(clips)
    expect(report.groups).toHaveLength(7)
    expect(report.duplicates).toHaveLength(1)
    expect(report.leakingTestClips).toBe(7)
    expect(report.summary).toBe(
      '7 groups have clips in both training and test (g1, g2, g3, g4, g5 and 2 more); 1 recording is identical on both sides — scores will be optimistic; hold whole groups out to test (the Split editor, or earmark split --by group)',
    )
  })
})
