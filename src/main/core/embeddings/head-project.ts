// A few-shot head on a project's stored embeddings: trained on the windows of labeled clips outside
// the test split (unlabeled windows as weak negatives), scored on the labeled test clips, and used
// to rank unlabeled clips by margin ("next to label").
import type { Database } from 'better-sqlite3'
import { EarmarkError } from '../errors'
import { headScores, trainLinearHead, type HeadOptions } from './head'
import { searchSpace } from './search'
import { windowMark } from './windows'
import { headClips, labeledRegionsByClip, negativesByClip, spaceMatrix, type HeadClip } from '../catalog/embeddings'

/** Rows of vectors, each belonging to a clip (several rows per clip for windows of a long one). */
export interface ClipRows {
  dims: number
  x: Float32Array
  /** The clip of each row. */
  clipIds: readonly number[]
  /** Each row's window in its clip, seconds (without them a row stands for its whole clip). */
  starts?: ArrayLike<number>
  ends?: ArrayLike<number>
  /**
   * What a person said of a row's window in an unlabeled clip: the classes of labeled regions over
   * it, an empty list when it is marked as none of the classes, undefined when nothing was said.
   */
  marks?: readonly (readonly string[] | undefined)[]
}

/** An unlabeled window the head is least sure of. */
export interface NextToLabel {
  clipId: number
  path: string
  clipDuration: number
  start: number
  end: number
  predicted: string
  /** How far the head is from deciding (0: some class's score is exactly 0.5). */
  margin: number
}

/** What a head did. */
export interface HeadSummary {
  classes: string[]
  /** Labeled rows trained on (labeled clips, regions, windows marked as none of the classes), and unlabeled rows used as weak negatives. */
  trainRows: number
  weakNegatives: number
  /** Labeled test-split clips and the share the head classified right (null without any). */
  testClips: number
  testAccuracy: number | null
  /** Seconds training took (the vectors were already stored). */
  trainSeconds: number
  /** Unlabeled windows the head is least sure of, smallest margin first. */
  next: NextToLabel[]
}

/** How many windows the "next to label" list holds. */
const NEXT_COUNT = 20

/**
 * Trains a head on rows of clips outside the test split and evaluates it on the labeled test
 * clips (a clip's class: the best class of its best-scoring row). Rows of unlabeled clips count as
 * what a person marked them (regions, windows marked as none of the classes), else as weak negatives.
 */
export function fitHead(rows: ClipRows, clips: readonly HeadClip[], options: HeadOptions = {}): HeadSummary {
  const byId = new Map(clips.map((c) => [c.id, c]))
  const marks = rows.marks ?? []
  const classes = [
    ...new Set([...clips.flatMap((c) => c.labels), ...marks.flatMap((m) => (m === undefined ? [] : m))]),
  ].sort()
  if (classes.length < 2) {
    throw new EarmarkError(
      'invalid-input',
      `a head needs labeled clips or regions of at least two classes (the project has ${classes.length})`,
    )
  }
  const classIndex = new Map(classes.map((c, i) => [c, i]))
  const { dims } = rows
  const train: number[] = []
  rows.clipIds.forEach((id, r) => {
    const clip = byId.get(id)
    if (!clip || (clip.split === 'test' && clip.labels.length > 0)) return
    train.push(r)
  })
  const x = new Float32Array(train.length * dims)
  const background: boolean[] = []
  const labels = train.map((r, i) => {
    x.set(rows.x.subarray(r * dims, (r + 1) * dims), i * dims)
    const clip = byId.get(rows.clipIds[r] as number) as HeadClip
    const mark = clip.labels.length > 0 ? undefined : marks[r]
    background.push(mark !== undefined && mark.length === 0)
    return (clip.labels.length > 0 ? clip.labels : (mark ?? [])).map((l) => classIndex.get(l) as number)
  })
  if (!labels.some((l) => l.length > 0)) {
    throw new EarmarkError(
      'invalid-input',
      'no labeled clip or region outside the test split has stored embeddings to train a head on',
    )
  }
  const head = trainLinearHead({ dims, x, labels, classes, background }, options)
  const scores = headScores(head, rows.x)
  const k = classes.length
  const best = new Map<number, Float32Array>()
  const next: NextToLabel[] = []
  rows.clipIds.forEach((id, r) => {
    const s = best.get(id) ?? new Float32Array(k)
    let top = 0
    let margin = Infinity
    for (let c = 0; c < k; c++) {
      const score = scores[r * k + c] as number
      s[c] = Math.max(s[c] as number, score)
      if (score > (scores[r * k + top] as number)) top = c
      // Margin sampling as agile modeling does it: the windows nearest some class's decision.
      margin = Math.min(margin, Math.abs(score - 0.5))
    }
    best.set(id, s)
    const clip = byId.get(id) as HeadClip
    if (clip.labels.length === 0 && marks[r] === undefined) {
      next.push({
        clipId: id,
        path: clip.path,
        clipDuration: clip.duration,
        start: rows.starts?.[r] ?? 0,
        end: rows.ends?.[r] ?? 0,
        predicted: classes[top] as string,
        margin: 2 * margin,
      })
    }
  })
  let testClips = 0
  let right = 0
  for (const [id, s] of best) {
    const clip = byId.get(id) as HeadClip
    if (clip.labels.length === 0 || clip.split !== 'test') continue
    let top = 0
    for (let c = 1; c < k; c++) if ((s[c] as number) > (s[top] as number)) top = c
    testClips++
    if (clip.labels.includes(classes[top] as string)) right++
  }
  next.sort((a, b) => a.margin - b.margin)
  return {
    classes,
    trainRows: labels.filter((l, i) => l.length > 0 || background[i]).length,
    weakNegatives: labels.filter((l, i) => l.length === 0 && !background[i]).length,
    testClips,
    testAccuracy: testClips === 0 ? null : right / testClips,
    trainSeconds: head.seconds,
    next: next.slice(0, NEXT_COUNT),
  }
}

/** A head on the project's stored embeddings of a base (default: the newest embedded). */
export async function projectHead(
  db: Database,
  base: string | undefined,
  options: HeadOptions = {},
): Promise<HeadSummary> {
  const space = await searchSpace(db, base)
  const m = spaceMatrix(db, space)
  const clips = headClips(db)
  const regions = labeledRegionsByClip(db)
  const negatives = negativesByClip(db)
  const byContent = new Map<string, HeadClip[]>()
  for (const c of clips) byContent.set(c.contentHash, [...(byContent.get(c.contentHash) ?? []), c])
  // Rows for every present clip of each stored content (a copied file's clip has the same vectors).
  const rowsOf: number[] = []
  const clipIds: number[] = []
  const marks: (string[] | undefined)[] = []
  m.contentHashes.forEach((hash, r) => {
    for (const c of byContent.get(hash) ?? []) {
      rowsOf.push(r)
      clipIds.push(c.id)
      marks.push(
        windowMark(m.starts[r] as number, m.ends[r] as number, regions.get(c.id) ?? [], negatives.get(c.id) ?? []),
      )
    }
  })
  const x = new Float32Array(rowsOf.length * m.dims)
  rowsOf.forEach((r, i) => x.set(m.x.subarray(r * m.dims, (r + 1) * m.dims), i * m.dims))
  return fitHead(
    {
      dims: m.dims,
      x,
      clipIds,
      starts: rowsOf.map((r) => m.starts[r] as number),
      ends: rowsOf.map((r) => m.ends[r] as number),
      marks,
    },
    clips,
    options,
  )
}
