import type { Database } from 'better-sqlite3'
import { isDeepRunModel, type RunModel, type SplitPolicy } from '@shared/evaluation'
import type { GroupSides, LeakageReport, SplitCheck } from '@shared/leakage'
import { clipGroupsAndHashes, runExists, runSideClips } from '../catalog/clip-splits'
import { notFound } from '../errors'
import { findLeakage, type LeakageClip } from '../evaluation'
import { planRegionExamples } from './region-examples'
import { labelledSplit } from './train'
import { prepareDeepTraining } from './train-deep'

/*
 * Split hygiene for runs: what leaked between a run's training and test clips, and what
 * would leak in the split a new run is about to draw.
 */

/**
 * A run's leakage, from the clips it recorded (run_clips) and their groups and audio now. Clips
 * deleted from the project since are left out: their group and audio are no longer known.
 */
export function runLeakage(db: Database, runId: number): LeakageReport {
  if (!runExists(db, runId)) throw notFound(`Run ${runId}`)
  return findLeakage(runSideClips(db, runId))
}

/** What `train:check` asks: the split-relevant part of a `train:start` request. */
export interface SplitCheckRequest {
  model: RunModel
  /** Deep models are checked as `train:start` checks them, so a transfer model needs its `baseModel`. */
  params: Record<string, unknown>
  seed: number
  testFraction: number
  validationFraction?: number
  /** A run on regions: its recordings are split (window settings change which recordings have windows). */
  regions?: { window?: number; hop?: number; minOverlap?: number }
}

/**
 * The split a new run would use, drawn exactly as training draws it (the catalog's split column,
 * else whole groups held out when clips carry groups, else a seeded stratified draw; deep models
 * also hold validation out), where each group lands, and what would leak in it.
 */
export async function checkPlannedSplit(db: Database, request: SplitCheckRequest): Promise<SplitCheck> {
  const { model, params, seed, testFraction, validationFraction } = request
  let sides: { clipId: number; side: LeakageClip['side']; label: string }[]
  let method: string
  let policy: SplitPolicy
  if (request.regions) {
    const plan = planRegionExamples(db, {
      seed,
      testFraction,
      ...(validationFraction === undefined ? {} : { validationFraction }),
      ...request.regions,
    })
    sides = plan.recordings.map((r) => ({ clipId: r.clip.id, side: r.split as LeakageClip['side'], label: r.label }))
    method = plan.splitMethod
    policy = plan.splitPolicy
  } else if (isDeepRunModel(model)) {
    const prepared = await prepareDeepTraining(db, {
      model,
      params,
      seed,
      testFraction,
      ...(validationFraction === undefined ? {} : { validationFraction }),
    })
    sides = prepared.clips.map((c) => ({ clipId: c.clipId, side: c.split as LeakageClip['side'], label: c.label }))
    method = prepared.splitMethod
    policy = prepared.splitPolicy
  } else {
    const { clips, split } = labelledSplit(db, seed, testFraction)
    const side = (rows: number[], s: LeakageClip['side']) =>
      rows.map((i) => {
        const clip = clips[i] as (typeof clips)[number]
        return { clipId: clip.id, side: s, label: clip.label }
      })
    sides = [...side(split.train, 'train'), ...side(split.val, 'val'), ...side(split.test, 'test')]
    method = split.method
    policy = split.policy
  }

  const facts = clipGroupsAndHashes(db)
  const clips: LeakageClip[] = sides.flatMap(({ clipId, side, label }) => {
    const fact = facts.get(clipId)
    return fact ? [{ id: clipId, side, label, group: fact.group, contentHash: fact.contentHash }] : []
  })
  const count = (s: LeakageClip['side']) => sides.filter((c) => c.side === s).length
  const byGroup = new Map<string, GroupSides>()
  for (const clip of clips) {
    if (clip.group === null) continue
    const row = byGroup.get(clip.group) ?? { group: clip.group, train: 0, val: 0, test: 0 }
    row[clip.side]++
    byGroup.set(clip.group, row)
  }
  return {
    counts: { train: count('train'), val: count('val'), test: count('test') },
    policy,
    method,
    groups: [...byGroup.values()].sort((a, b) => a.group.localeCompare(b.group, undefined, { numeric: true })),
    leakage: findLeakage(clips),
  }
}
