import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ClipSplitState } from '../../../src/shared/splits'
import { redoEdit, undoEdit } from '../../../src/main/core/catalog/edits'
import { addClipLabel } from '../../../src/main/core/catalog/labels'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { importLabels } from '../../../src/main/core/interchange'
import { editClipSplits, groupSplitRows, setSplits } from '../../../src/main/core/splitting/set-splits'
import { seededCatalog } from '../../helpers/catalog'
import { tempDir } from '../../helpers/temp'

const open: Catalog[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.db.close()
})

const stamp = { author: 'tester', now: new Date('2026-01-01T00:00:00Z') }
const speakers = ['ann', 'bob', 'cat', 'dan', 'eve']

/** 50 clips: 5 speakers of 10 clips, digits "a" and "b" alternating. */
function project() {
  const seeded = seededCatalog(['a', 'b'], 50, { group: (i) => speakers[i % 5] as string })
  open.push(seeded.catalog)
  seeded.clipIds.forEach((id, i) => addClipLabel(seeded.db, id, seeded.classIds[Math.floor(i / 5) % 2] as number, 'x'))
  return seeded
}

const states = (db: Catalog['db']): ClipSplitState[] =>
  db.prepare('SELECT id, split, group_name AS "group", fold FROM clips ORDER BY id').all() as ClipSplitState[]

const splitOfGroup = (db: Catalog['db'], group: string): string[] =>
  db.prepare('SELECT DISTINCT split FROM clips WHERE group_name = ? ORDER BY split').pluck().all(group) as string[]

describe('setting splits', () => {
  it('holds chosen groups out to test and val, the rest to train, and one undo puts every clip back', async () => {
    const { db } = project()
    const before = states(db)
    const result = await setSplits(db, { by: 'group', testGroups: ['bob'], valGroups: ['dan'], seed: 0 }, stamp)
    expect(result).toMatchObject({
      changed: 50,
      counts: { train: 30, val: 10, test: 10, none: 0 },
      testGroups: ['bob'],
      valGroups: ['dan'],
      unknownClips: [],
    })
    expect(splitOfGroup(db, 'bob')).toEqual(['test'])
    expect(splitOfGroup(db, 'dan')).toEqual(['val'])
    expect(splitOfGroup(db, 'ann')).toEqual(['train'])
    const after = states(db)

    expect(undoEdit(db, 'tester')?.kind).toBe('split')
    expect(states(db)).toEqual(before)
    expect(redoEdit(db, 'tester')?.description).toMatch(/^Redid: Held out bob to test, dan to val/)
    expect(states(db)).toEqual(after)
  })

  it('refuses unknown, overlapping or all groups, and writes nothing', async () => {
    const { db } = project()
    const before = states(db)
    await expect(setSplits(db, { by: 'group', testGroups: ['zed'], seed: 0 }, stamp)).rejects.toThrow(
      /no clip is in group "zed"; the project's groups: ann, bob, cat, dan, eve/,
    )
    await expect(
      setSplits(db, { by: 'group', testGroups: ['ann'], valGroups: ['ann'], seed: 0 }, stamp),
    ).rejects.toThrow(/cannot be in test and val/)
    await expect(setSplits(db, { by: 'group', testGroups: speakers, seed: 0 }, stamp)).rejects.toThrow(
      /leave at least one group to train on/,
    )
    await expect(
      setSplits(db, { by: 'group', testGroups: ['ann'], testFraction: 0.2, seed: 0 }, stamp),
    ).rejects.toMatchObject({ code: 'invalid-input' })
    expect(states(db)).toEqual(before)
  })

  it('holds out a share of the clips in whole groups, seeded', async () => {
    const { db } = project()
    const result = await setSplits(db, { by: 'group', testFraction: 0.2, valFraction: 0.2, seed: 4 }, stamp)
    expect(result.counts).toEqual({ train: 30, val: 10, test: 10, none: 0 })
    expect(result.testGroups).toHaveLength(1)
    expect(result.valGroups).toHaveLength(1)
    for (const g of speakers) expect(splitOfGroup(db, g)).toHaveLength(1)
    const first = states(db)
    // The same seed draws the same groups again: nothing changes.
    expect((await setSplits(db, { by: 'group', testFraction: 0.2, valFraction: 0.2, seed: 4 }, stamp)).changed).toBe(0)
    expect(states(db)).toEqual(first)
  })

  it('draws a stratified random split, and refuses a group split without groups', async () => {
    const seeded = seededCatalog(['a', 'b'], 40)
    open.push(seeded.catalog)
    seeded.clipIds.forEach((id, i) => addClipLabel(seeded.db, id, seeded.classIds[i % 2] as number, 'x'))
    const result = await setSplits(seeded.db, { by: 'random', testFraction: 0.25, seed: 1 }, stamp)
    expect(result.counts).toEqual({ train: 30, val: 0, test: 10, none: 0 })
    const testPerClass = seeded.db
      .prepare(
        "SELECT COUNT(*) FROM clips c JOIN clip_labels l ON l.clip_id = c.id WHERE c.split = 'test' GROUP BY l.class_id",
      )
      .pluck()
      .all()
    expect(testPerClass).toEqual([5, 5])
    await expect(setSplits(seeded.db, { by: 'group', testFraction: 0.2, seed: 0 }, stamp)).rejects.toThrow(
      /no clip has a group/,
    )
  })

  it('reads split, group and fold from CSV rows by path, file name or clip id, and names unknown clips', async () => {
    const { db, clipIds } = project()
    const csv = join(tempDir(), 'splits.csv')
    writeFileSync(
      csv,
      ['path,split,group,fold', '/data/c000.wav,test,zoe,3', 'c001.wav,val,,', '/elsewhere/nope.wav,test,x,1'].join(
        '\n',
      ),
    )
    const result = await setSplits(db, { by: 'csv', path: csv }, stamp)
    expect(result.changed).toBe(2)
    expect(result.unknownClips).toEqual(['/elsewhere/nope.wav'])
    const [c0, c1] = states(db)
    expect(c0).toEqual({ id: clipIds[0], split: 'test', group: 'zoe', fold: 3 })
    expect(c1).toEqual({ id: clipIds[1], split: 'val', group: null, fold: null })

    const byId = join(tempDir(), 'ids.csv')
    writeFileSync(byId, `clip,split\n${clipIds[2]},test\n`)
    expect((await setSplits(db, { by: 'csv', path: byId }, stamp)).changed).toBe(1)

    const bad = join(tempDir(), 'bad.csv')
    writeFileSync(bad, 'path,split\n/data/c003.wav,test\n/data/c004.wav,holdout\n')
    const before = states(db)
    await expect(setSplits(db, { by: 'csv', path: bad }, stamp)).rejects.toThrow(
      /bad\.csv:3: split must be train, val or test, not "holdout"/,
    )
    expect(states(db)).toEqual(before)
    writeFileSync(bad, 'path,label\n/data/c003.wav,a\n')
    await expect(setSplits(db, { by: 'csv', path: bad }, stamp)).rejects.toThrow(/no "split", "group" or "fold" column/)
  })

  it('bulk-edits the listed clips, clears with null, and refuses an unknown id', () => {
    const { db, clipIds } = project()
    const ids = clipIds.slice(0, 3)
    const result = editClipSplits(db, { clipIds: ids, split: 'test', fold: 2 }, stamp)
    expect(result).toMatchObject({ changed: 3, description: 'Set split test, fold 2 on 3 clips' })
    expect(
      states(db)
        .slice(0, 3)
        .map((s) => [s.split, s.fold]),
    ).toEqual([
      ['test', 2],
      ['test', 2],
      ['test', 2],
    ])
    expect(editClipSplits(db, { clipIds: ids, group: null }, stamp).changed).toBe(3)
    expect(states(db)[0]?.group).toBeNull()
    expect(() => editClipSplits(db, { clipIds: [9999], split: 'train' }, stamp)).toThrow(/no clip has id 9999/)
    undoEdit(db, 'tester')
    expect(states(db)[0]?.group).toBe('ann')
  })

  it('lists groups with their clips per class and per split', async () => {
    const { db } = project()
    await setSplits(db, { by: 'group', testGroups: ['cat'], seed: 0 }, stamp)
    const rows = groupSplitRows(db)
    expect(rows.map((r) => r.group)).toEqual(speakers)
    expect(rows[2]).toEqual({
      group: 'cat',
      clips: 10,
      perClass: { a: 5, b: 5 },
      splits: { train: 0, val: 0, test: 10, none: 0 },
    })
  })

  it('sets split, group and fold from the columns of a label CSV', () => {
    const { db } = project()
    const summary = importLabels(
      db,
      'csv',
      [{ name: 'labels.csv', text: 'path,label,group,split,fold\n/data/c000.wav,b,zoe,test,4\n/data/c001.wav,a,,,\n' }],
      stamp,
    )
    expect(summary).toMatchObject({ clipsLabelled: 2, clipsSplit: 2 })
    expect(
      states(db)
        .slice(0, 2)
        .map((s) => [s.group, s.split, s.fold]),
    ).toEqual([
      ['zoe', 'test', 4],
      [null, null, null],
    ])
    expect(() =>
      importLabels(db, 'csv', [{ name: 'x.csv', text: 'path,label,split\n/data/c002.wav,a,later\n' }], stamp),
    ).toThrow(/line 2: split must be train, val or test, not "later"/)
    // The bad file changed nothing, labels included.
    expect(db.prepare('SELECT split FROM clips WHERE path = ?').pluck().get('/data/c002.wav')).toBeNull()
  })
})
