import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { openCatalog } from '../../src/main/core/catalog/open'
import { ROOT, runEarmark } from './cli'

/** Real audio kept in the repository: 1,500 spoken digits (see test/data/README.md). */
export const FSDD = join(ROOT, 'test', 'data', 'fsdd-dev')

/** The dataset's file-name convention: digit, speaker, take. */
export const FSDD_PATTERN = '(?<label>\\d)_(?<group>[a-z]+)_(?<take>\\d+)\\.wav'

/** One fsdd-dev recording, read from its file name. */
export interface FsddFile {
  path: string
  digit: string
  speaker: string
  take: number
}

/** The dataset's recordings, in file-name order. */
export function fsddFiles(): FsddFile[] {
  return readdirSync(FSDD)
    .sort()
    .flatMap((name) => {
      const m = /^(\d)_([a-z]+)_(\d+)\.wav$/.exec(name)
      return m ? [{ path: join(FSDD, name), digit: m[1] as string, speaker: m[2] as string, take: Number(m[3]) }] : []
    })
}

/** A CSV field, quoted where it must be (commas, quotes, line breaks, or a leading space). */
const csvField = (value: string): string => (/[",\n\r]|^\s/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

/**
 * Writes `dir/manifest.csv` (path, label, group = speaker, split) for an import with
 * `--labels-from csv`: one row per recording `row` keeps (null leaves it out; an empty label or
 * split leaves that field empty). Returns the manifest's path.
 */
export function writeFsddManifest(
  dir: string,
  row: (file: FsddFile) => { label: string; split: string } | null,
): string {
  const lines = fsddFiles().flatMap((f) => {
    const kept = row(f)
    return kept ? [[f.path, kept.label, f.speaker, kept.split].map(csvField).join(',')] : []
  })
  const manifest = join(dir, 'manifest.csv')
  writeFileSync(manifest, ['path,label,group,split', ...lines].join('\n'))
  return manifest
}

/**
 * A project of the first `count` recordings, made as a user makes one (`earmark init`, then
 * `earmark import` of a folder holding copies of them); returns the project file's path.
 */
export function importedFsddProject(dir: string, count: number): string {
  const project = join(dir, 'p.earmark')
  const audio = join(dir, 'audio')
  mkdirSync(audio, { recursive: true })
  for (const file of fsddFiles().slice(0, count)) copyFileSync(file.path, join(audio, basename(file.path)))
  for (const args of [
    ['init', project],
    ['import', project, audio],
  ]) {
    const run = runEarmark(args)
    if (run.code !== 0) throw new Error(`earmark ${args[0]} failed: ${run.stderr}`)
  }
  return project
}

/** fsdd-dev's own convention: takes 0-4 form the test split. */
export const isTestTake = (path: string): boolean => Number(/_(\d+)\.wav$/.exec(path)?.[1]) <= 4

/** Gives every clip of a project of fsdd recordings the dataset's own split (takes 0-4 test). */
export function setFsddTakeSplit(project: string): void {
  const catalog = openCatalog(project)
  try {
    const clips = catalog.db.prepare('SELECT id, path FROM clips').all() as { id: number; path: string }[]
    const setSplit = catalog.db.prepare('UPDATE clips SET split = ? WHERE id = ?')
    catalog.db.transaction(() => {
      for (const c of clips) setSplit.run(isTestTake(c.path) ? 'test' : 'train', c.id)
    })()
  } finally {
    catalog.close()
  }
}
