import { describe, expect, it } from 'vitest'
import type { ClassificationMetrics } from '../../../src/shared/evaluation'
import { insertRun, insertRunClips, putRunMetrics, setRunPredictions } from '../../../src/main/core/catalog/runs'
import { runSplitEvaluation } from '../../../src/main/core/runs/evaluate'
import { seededCatalog } from '../../helpers/catalog'

describe('likely label errors', () => {
  it('name the file of each clip, so the list reads as files rather than clip ids', () => {
    const { db, clipIds } = seededCatalog(['a', 'b'], 6)
    const runId = insertRun(db, {
      model: 'rf',
      engine: 'js',
      params: {},
      featureConfig: {},
      featureHash: 'h',
      seed: 0,
      labels: ['a', 'b'],
      splitMethod: '',
      splitPolicy: 'column',
      jobId: null,
    })
    const labels = ['a', 'a', 'a', 'b', 'b', 'b']
    insertRunClips(
      db,
      runId,
      clipIds.map((clipId, i) => ({ clipId, split: 'test', label: labels[i] as string, labelVersion: null })),
    )
    // The third clip is labelled a, and the model is sure it is b: a likely label error.
    const probabilities = [
      [0.9, 0.1],
      [0.9, 0.1],
      [0.05, 0.95],
      [0.1, 0.9],
      [0.1, 0.9],
      [0.1, 0.9],
    ]
    setRunPredictions(
      db,
      runId,
      clipIds.map((clipId, i) => {
        const p = probabilities[i] as number[]
        return { clipId, predicted: (p[0] as number) > 0.5 ? 'a' : 'b', probabilities: p }
      }),
    )
    putRunMetrics(db, runId, 'test', { accuracy: 5 / 6, macro: { f1: 0.8 } } as ClassificationMetrics)
    const { labelIssues } = runSplitEvaluation(db, runId, 'test')
    expect(labelIssues).toEqual([
      expect.objectContaining({ clipId: clipIds[2], path: '/data/c002.wav', given: 'a', suggested: 'b' }),
    ])
    // A clip gone from the catalog since keeps its id, without a file to name.
    db.pragma('foreign_keys = OFF')
    db.prepare('DELETE FROM clips WHERE id = ?').run(clipIds[2])
    expect(runSplitEvaluation(db, runId, 'test').labelIssues[0]).toMatchObject({ clipId: clipIds[2], path: null })
  })
})
