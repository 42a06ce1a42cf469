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
export const jobKinds = ['import', 'features', 'train', 'sweep', 'evaluate', 'export'] as const
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
