import { afterEach, describe, expect, it } from 'vitest'
import type { GroupSplitRow, SplitEditResult } from '../../../src/shared/splits'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { testService } from '../../helpers/service'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/** A project of 8 clips, c0-c3 by ann and c4-c7 by bob, without classes. */
async function project() {
  const t = testService()
  close = () => t.service.close()
  await t.call('project:get', {})
  const db = t.service.catalog().db
  for (let i = 0; i < 8; i++) {
    insertClip(db, {
      path: `/data/c${i}.wav`,
      contentHash: `h${i}`,
      duration: 1,
      sampleRate: 8000,
      channels: 1,
      size: 16044,
      codec: 'pcm_s16le',
      group: i < 4 ? 'ann' : 'bob',
    })
  }
  return t
}

describe('the split API', () => {
  it('edits every clip a clip-list filter matches, and lists the groups', async () => {
    const { call } = await project()
    const edited = await call<SplitEditResult>('splits:edit', { filter: { group: 'bob' }, split: 'test', fold: 1 })
    expect(edited).toMatchObject({ changed: 4, counts: { train: 0, val: 0, test: 4, none: 4 }, testGroups: ['bob'] })
    const groups = await call<GroupSplitRow[]>('splits:groups', {})
    expect(groups.map((g) => [g.group, g.splits.test, g.perClass])).toEqual([
      ['ann', 0, { '(unlabelled)': 4 }],
      ['bob', 4, { '(unlabelled)': 4 }],
    ])
  })

  it('refuses edits that say nothing, name no clips, or carry bad values', async () => {
    const { call } = await project()
    await expect(call('splits:edit', { filter: {} })).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(call('splits:edit', { split: 'test' })).rejects.toThrow(/give either clipIds or a filter/)
    await expect(call('splits:edit', { clipIds: [1], filter: {}, split: 'test' })).rejects.toThrow(
      /give either clipIds or a filter/,
    )
    await expect(call('splits:edit', { filter: { group: 'zed' }, split: 'test' })).rejects.toThrow(
      /no clip matches the filter/,
    )
    await expect(call('splits:edit', { clipIds: [1], split: 'holdout' })).rejects.toMatchObject({
      code: 'invalid-input',
    })
    await expect(call('splits:set', { by: 'random', testFraction: 1.5 })).rejects.toMatchObject({
      code: 'invalid-input',
    })
    await expect(call('splits:set', { by: 'group', testGroups: ['ann', 'bob'] })).rejects.toThrow(
      /leave at least one group to train on/,
    )
  })
})
