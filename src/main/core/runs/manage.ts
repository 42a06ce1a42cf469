import { rm } from 'node:fs/promises'
import { dirname, relative, isAbsolute } from 'node:path'
import type { Database } from 'better-sqlite3'
import { deleteRun, getRun } from '../catalog/runs'
import { EarmarkError } from '../errors'
import { exportRunFiles, projectRunsFolder, runFolder } from './artifacts'

/**
 * Deletes a run's records and its folder of model files. A running run is refused: cancel its
 * job first (`state` is the run's state as the caller reads it: an interrupted run may go). Only a folder inside the project's runs folder is ever removed.
 */
export async function removeRun(
  db: Database,
  projectPath: string,
  id: number,
  state: string = getRun(db, id).state,
): Promise<void> {
  if (state === 'running') throw new EarmarkError('conflict', `Run ${id} is still running; cancel its job first.`)
  const { modelPath } = deleteRun(db, id)
  // A deep run that never finished has a folder (checkpoint) but no model path.
  const folder = modelPath === null ? runFolder(projectPath, id) : dirname(modelPath)
  const inside = relative(projectRunsFolder(projectPath), folder)
  if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside))
    await rm(folder, { recursive: true, force: true })
}

/** Writes a finished run's model, class names, feature configuration and summary (run.json) into `out`. */
export async function exportRun(db: Database, id: number, out: string): Promise<string[]> {
  const run = getRun(db, id)
  if (run.modelPath === null) throw new EarmarkError('conflict', `Run ${id} has no saved model (it is ${run.state}).`)
  return exportRunFiles(run.modelPath, out, run)
}
