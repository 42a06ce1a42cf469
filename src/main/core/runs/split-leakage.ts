import type { Database } from 'better-sqlite3'
import { isDeepRunModel, type RunModel } from '@shared/evaluation'
import type { LeakageReport, SplitCheck } from '@shared/leakage'
import { notFound } from '../errors'
import { findLeakage, type LeakageClip } from '../evaluation'
import { labelledSplit } from './train'
import { prepareDeepTraining } from './train-deep'

/*
 * Split hygiene (issue 8) for runs: what leaked between a run's training and test clips, and what
 * would leak in the split a new run is about to draw.
 */

/**
 * A run's leakage, from the clips it recorded (run_clips) and their groups and audio now. Clips
 * deleted from the project since are left out: their group and audio are no longer known.
 */
export function runLeakage(db: Database, runId: number): LeakageReport {
  if (db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId) === undefined) throw notFound(`Run ${runId}`)
  const rows = db
    .prepare(
      `SELECT rc.clip_id AS id, rc.split AS side, c.group_name AS "group", c.content_hash AS contentHash, rc.label
       FROM run_clips rc JOIN clips c ON c.id = rc.clip_id
       WHERE rc.run_id = ? AND rc.split IN ('train', 'val', 'test')`,
    )
    .all(runId) as LeakageClip[]
  return findLeakage(rows)
}

/** What `train:check` asks: the split-relevant part of a `train:start` request. */
export interface SplitCheckRequest {
  model: RunModel
  /** Deep models are checked as `train:start` checks them, so a transfer model needs its `baseModel`. */
  params: Record<string, unknown>
  seed: number
  testFraction: number
  validationFraction?: number
}

/**
 * The split a new run would use, drawn exactly as training draws it (the catalog's split, else a
 * seeded stratified draw; deep models also hold validation out), and what would leak in it.
 */
export async function checkPlannedSplit(db: Database, request: SplitCheckRequest): Promise<SplitCheck> {
  const { model, params, seed, testFraction, validationFraction } = request
  let sides: { clipId: number; side: LeakageClip['side']; label: string }[]
  let method: string
  if (isDeepRunModel(model)) {
    const prepared = await prepareDeepTraining(db, {
      model,
      params,
      seed,
      testFraction,
      ...(validationFraction === undefined ? {} : { validationFraction }),
    })
    sides = prepared.clips.map((c) => ({ clipId: c.clipId, side: c.split as LeakageClip['side'], label: c.label }))
    method = prepared.splitMethod
  } else {
    const { clips, split } = labelledSplit(db, seed, testFraction)
    const side = (rows: number[], s: LeakageClip['side']) =>
      rows.map((i) => {
        const clip = clips[i] as (typeof clips)[number]
        return { clipId: clip.id, side: s, label: clip.label }
      })
    sides = [...side(split.train, 'train'), ...side(split.val, 'val'), ...side(split.test, 'test')]
    method = split.method
  }

  const facts = new Map(
    (
      db.prepare('SELECT id, group_name AS "group", content_hash AS contentHash FROM clips').all() as {
        id: number
        group: string | null
        contentHash: string
      }[]
    ).map((r) => [r.id, r]),
  )
  const clips: LeakageClip[] = sides.flatMap(({ clipId, side, label }) => {
    const fact = facts.get(clipId)
    return fact ? [{ id: clipId, side, label, group: fact.group, contentHash: fact.contentHash }] : []
  })
  const count = (s: LeakageClip['side']) => sides.filter((c) => c.side === s).length
  return {
    counts: { train: count('train'), val: count('val'), test: count('test') },
    method,
    leakage: findLeakage(clips),
  }
}
