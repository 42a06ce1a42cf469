import type { DuplicateAudio, LeakageReport, LeakingGroup } from '@shared/leakage'
import { plural } from '@shared/plural'

/** One clip of a split, as leakage needs it. */
export interface LeakageClip {
  id: number
  /** Validation counts as training: the model (or its early stopping) has seen those clips. */
  side: 'train' | 'val' | 'test'
  /** Speaker, source recording or fold; null when the catalog gives none (never a leak). */
  group: string | null
  contentHash: string
  label: string
}

/** How many names the summary line lists before "and N more". */
const NAMED_IN_SUMMARY = 5

/**
 * The groups and the audio found on both sides of a split. Copies of one recording on the same
 * side, or a group wholly on one side, are harmless to the test score and not reported.
 */
export function findLeakage(clips: readonly LeakageClip[]): LeakageReport {
  const byGroup = new Map<string, LeakageClip[]>()
  const byHash = new Map<string, LeakageClip[]>()
  for (const clip of clips) {
    if (clip.group !== null) push(byGroup, clip.group, clip)
    push(byHash, clip.contentHash, clip)
  }
  const leakingTest = new Set<number>()

  const groups: LeakingGroup[] = []
  for (const [group, members] of byGroup) {
    const test = members.filter(isTest)
    if (test.length === 0 || test.length === members.length) continue
    test.forEach((c) => leakingTest.add(c.id))
    groups.push({ group, train: members.length - test.length, test: test.length, labels: labelsOf(members) })
  }
  groups.sort((a, b) => b.test - a.test || a.group.localeCompare(b.group))

  const duplicates: DuplicateAudio[] = []
  for (const [contentHash, copies] of byHash) {
    const test = copies.filter(isTest)
    if (test.length === 0 || test.length === copies.length) continue
    test.forEach((c) => leakingTest.add(c.id))
    duplicates.push({
      contentHash,
      trainClipIds: ids(copies.filter((c) => !isTest(c))),
      testClipIds: ids(test),
      labels: labelsOf(copies),
    })
  }
  duplicates.sort(
    (a, b) =>
      b.trainClipIds.length + b.testClipIds.length - (a.trainClipIds.length + a.testClipIds.length) ||
      (a.testClipIds[0] as number) - (b.testClipIds[0] as number),
  )

  return { groups, duplicates, leakingTestClips: leakingTest.size, summary: summaryLine(groups, duplicates) }
}

function summaryLine(groups: readonly LeakingGroup[], duplicates: readonly DuplicateAudio[]): string {
  if (groups.length === 0 && duplicates.length === 0) return 'no group and no recording is on both sides of the split'
  const parts: string[] = []
  if (groups.length > 0) {
    const names = groups.slice(0, NAMED_IN_SUMMARY).map((g) => g.group)
    const more = groups.length > NAMED_IN_SUMMARY ? ` and ${groups.length - NAMED_IN_SUMMARY} more` : ''
    parts.push(
      `${plural(groups.length, 'group has', 'groups have')} clips in both training and test (${names.join(', ')}${more})`,
    )
  }
  if (duplicates.length > 0) {
    parts.push(`${plural(duplicates.length, 'recording is', 'recordings are')} identical on both sides`)
  }
  const advice =
    groups.length > 0
      ? 'hold whole groups out to test (the Split editor, or earmark split --by group)'
      : "keep each recording's copies on one side"
  return `${parts.join('; ')} — scores will be optimistic; ${advice}`
}

const isTest = (clip: LeakageClip): boolean => clip.side === 'test'
const ids = (clips: readonly LeakageClip[]): number[] => clips.map((c) => c.id).sort((a, b) => a - b)
const labelsOf = (clips: readonly LeakageClip[]): string[] => [...new Set(clips.map((c) => c.label))].sort()

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
