/** Domain types shared by every layer: what the catalog holds, as the API returns it. */

/** The data splits a clip can belong to. */
export const splits = ['train', 'val', 'test'] as const
/** A clip's data split. */
export type Split = (typeof splits)[number]

/** A label class of the project. */
export interface ClassInfo {
  id: number
  name: string
  /** CSS colour, `#rrggbb`. */
  color: string
  /** One key (`0-9`, `a-z`) that assigns the class, or null. */
  hotkey: string | null
  /** Order in the palette, 0-based. */
  position: number
  /** Clips that carry this label. */
  clipCount: number
  /** Region and box labels of this class. */
  regionCount: number
}

/** What the studio's first screen shows of a project. */
export interface ProjectSummary {
  /** Absolute path of the project's catalog file. */
  path: string
  name: string
  /** Catalog schema version. */
  schemaVersion: number
  createdAt: string
  /** Whether a clip may carry several classes. */
  multiLabel: boolean
  classes: ClassInfo[]
  clipCount: number
  labeledClipCount: number
  missingClipCount: number
}

/** Kinds of long-running work. */
export const jobKinds = [
  'import',
  'features',
  'train',
  'sweep',
  'evaluate',
  'export',
  'explore',
  'detect',
  'embed',
] as const
/** A kind of long-running work. */
export type JobKind = (typeof jobKinds)[number]

/** Life cycle of a job. */
export const jobStates = ['queued', 'running', 'done', 'failed', 'cancelled'] as const
/** A job's state. */
export type JobState = (typeof jobStates)[number]

/** A long-running job as listed by the API. */
export interface JobInfo {
  id: number
  kind: JobKind
  state: JobState
  /** Units done and in all (files, epochs, trials); total is null while unknown. */
  done: number
  total: number | null
  /** Last human-readable status line. */
  message: string
  /** Why it failed, when it did. */
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  /** The run a training job trains (null until the job has recorded it, and for other kinds). */
  runId: number | null
  /** The sweep a sweep job runs. */
  sweepId: number | null
}

/** Facts about the running studio. */
export interface AppInfo {
  name: string
  version: string
  /** The project opened when no other is named. */
  defaultProjectPath: string
  /** Node's platform string, to show where it runs. */
  platform: string
}

/** Where an import takes its labels from. */
export type LabelSource =
  /** The parent folder's name, e.g. `dog/bark1.wav` → dog. */
  | { kind: 'folder' }
  /** Named groups of a regular expression over the file name: `label`, `group`, `split`, `fold`. */
  | { kind: 'pattern'; pattern: string }
  /** A CSV manifest: generic `path,label[,group][,split][,fold]`, or ESC-50 / UrbanSound8K. */
  | { kind: 'csv' }
  /** No labels: they come later, by hand. */
  | { kind: 'none' }

/** How the source was understood. */
export type ImportLayout = 'folder' | 'pattern' | 'csv' | 'esc50' | 'urbansound8k' | 'unlabeled'

/** One file an import would add, as planned. */
export interface ImportRow {
  path: string
  label: string | null
  group: string | null
  split: Split | null
  fold: number | null
}

/** A file that cannot be imported, with a one-line reason. */
export interface ImportProblem {
  path: string
  reason: string
}

/** What an import would do, shown before anything is written. */
export interface ImportPreview {
  source: string
  layout: ImportLayout
  /** Audio files found. */
  total: number
  /** The first files, as they would be labelled. */
  rows: ImportRow[]
  /** Classes found, with how many files each. */
  classes: { name: string; count: number }[]
  unlabeled: number
  groups: number
  splits: Partial<Record<Split, number>>
  folds: number[]
  /** Files already in the project (same path): not added again. */
  alreadyInProject: number
  /**
   * Of those, the clips whose label, group, split or fold the import will change (a manifest
   * imported again updates its clips), with how many change each field.
   */
  updates: { clips: number; label: number; group: number; split: number; fold: number }
  problems: ImportProblem[]
}

/** What an import did. */
export interface ImportSummary {
  added: number
  /** Files whose content (or path) was already in the project. */
  duplicates: number
  /** Clips whose file had gone missing and was found again, by content, at a new path. */
  relocated: number
  /** Clips already in the project whose label, group, split or fold a manifest imported again changed. */
  updated: number
  failed: ImportProblem[]
  /** Files imported despite something the user should know (e.g. truncated: the header promised more). */
  warnings: ImportProblem[]
  /** Every class the imported files carry. */
  classes: string[]
  seconds: number
}

/** A clip as the browser lists it. */
export interface ClipRow {
  id: number
  name: string
  path: string
  duration: number
  sampleRate: number
  channels: number
  group: string | null
  split: Split | null
  fold: number | null
  /** Class ids, in palette order. */
  labels: number[]
  unsure: boolean
  badAudio: boolean
  note: string
  missing: boolean
  regionCount: number
}

/** A region label: a span of time, and with frequencies a time-frequency box. */
export interface Region {
  id: number
  clipId: number
  classId: number | null
  /** Seconds. */
  start: number
  end: number
  /** Hz; both set for a box, both null for a plain region. */
  lowFreq: number | null
  highFreq: number | null
}

/** A clip with everything the clip view shows. */
export interface ClipDetail extends ClipRow {
  codec: string
  regions: Region[]
  contentHash: string
}

/** Columns the clip browser sorts by. */
export const clipSortColumns = ['name', 'duration', 'label', 'group', 'split', 'status', 'added'] as const
/** A column the clip browser sorts by. */
export type ClipSortColumn = (typeof clipSortColumns)[number]

/** Which clips the browser shows. Every field narrows; none means all clips. */
export interface ClipFilter {
  /** Clips carrying any of these classes. */
  classIds?: number[]
  unlabeled?: boolean
  /** Clips flagged unsure or bad audio. */
  flagged?: boolean
  split?: Split | 'none'
  group?: string
  minDuration?: number
  maxDuration?: number
  /** Part of the file name, case-insensitive. */
  search?: string
  missing?: boolean
}

/** One page of the clip browser. */
export interface ClipPage {
  rows: ClipRow[]
  /** Clips matching the filter in all. */
  total: number
}

/** A labeling action that undo or redo applied. */
export interface EditInfo {
  id: number
  /**
   * `split`: splits, groups or folds of many clips at once (`clipId` is the first of them);
   * `detection`: a detection's review and the region it made.
   */
  kind: 'clip' | 'region' | 'split' | 'detection'
  clipId: number
  /** What the action did, in words, for the status line. */
  description: string
}
