import type { FeatureSetInfo } from '@shared/feature-sets'
import type { Pipeline, PipelineInput } from '@shared/preprocess'
import type { Database } from 'better-sqlite3'
import {
  deleteFeatureSetRow,
  findFeatureSetRow,
  getFeatureSetRow,
  insertFeatureSetRow,
  listFeatureSetRows,
  updateFeatureSetRow,
  type FeatureSetRow,
} from '../catalog/feature-sets'
import { EarmarkError, notFound } from '../errors'
import { resolveFeatureConfig, summaryNames, type FeatureConfig, type FeatureConfigInput } from '../features'
import { resolvePipeline } from '../preprocess'
import { paramsHash } from './keys'

/** A feature set's parameters, resolved: what computation and the cache keys read. */
export interface FeatureSetParams {
  pipeline: Pipeline
  config: FeatureConfig
}

/** Checks and completes a pipeline and configuration (invalid-input naming the field when wrong). */
export function resolveFeatureSetParams(
  pipeline: PipelineInput | Pipeline = [],
  config: FeatureConfigInput | FeatureConfig = {},
): FeatureSetParams {
  return { pipeline: resolvePipeline(pipeline), config: resolveFeatureConfig(config) }
}

/**
 * Refuses parameters that pass the schemas but could not compute on any clip, so the mistake is
 * an error of the call that saves them rather than the same failure on every clip.
 */
export function assertComputable({ config: c }: FeatureSetParams): void {
  // librosa's spectral_contrast check: every band's lower edge below Nyquist.
  if (c.features.includes('spectral_contrast') && c.contrastFmin * 2 ** (c.contrastBands - 1) >= c.sampleRate / 2) {
    throw new EarmarkError(
      'invalid-input',
      `bad feature configuration: spectral_contrast's top band (contrastFmin ${c.contrastFmin} Hz x 2^(contrastBands ${c.contrastBands} - 1)) must stay below Nyquist (${c.sampleRate / 2} Hz)`,
    )
  }
}

function toInfo(row: FeatureSetRow): FeatureSetInfo {
  const base = {
    id: row.id,
    name: row.name,
    paramsHash: row.paramsHash,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
  try {
    const params = paramsOf(row)
    return {
      ...base,
      pipeline: params.pipeline,
      config: { ...params.config },
      summaryNames: summaryNames(params.config),
    }
  } catch {
    // A set stored by an Earmark with other rules still lists (as stored), so it can be fixed or deleted.
    return {
      ...base,
      pipeline: JSON.parse(row.pipeline) as Pipeline,
      config: JSON.parse(row.config) as Record<string, unknown>,
      summaryNames: [],
    }
  }
}

/** The resolved parameters of a stored set. */
export function paramsOf(row: FeatureSetRow): FeatureSetParams {
  return resolveFeatureSetParams(
    JSON.parse(row.pipeline) as PipelineInput,
    JSON.parse(row.config) as FeatureConfigInput,
  )
}

/** Every feature set of the project. */
export function listFeatureSets(db: Database): FeatureSetInfo[] {
  return listFeatureSetRows(db).map(toInfo)
}

/** One feature set, by id or by name. */
export function getFeatureSet(db: Database, idOrName: number | string): FeatureSetInfo {
  if (typeof idOrName === 'number') return toInfo(getFeatureSetRow(db, idOrName))
  const row = findFeatureSetRow(db, idOrName)
  if (!row) throw notFound(`Feature set ${idOrName}`)
  return toInfo(row)
}

const fields = (name: string, params: FeatureSetParams) => ({
  name,
  pipeline: JSON.stringify(params.pipeline),
  config: JSON.stringify(params.config),
  paramsHash: paramsHash(params.pipeline, params.config),
})

/** Adds a feature set; its pipeline and configuration are stored complete, with their hash. */
export function createFeatureSet(
  db: Database,
  input: { name: string; pipeline?: PipelineInput; config?: FeatureConfigInput },
  now = new Date(),
): FeatureSetInfo {
  const params = resolveFeatureSetParams(input.pipeline, input.config)
  assertComputable(params)
  return toInfo(insertFeatureSetRow(db, fields(input.name, params), now))
}

/** Renames a set or replaces its pipeline or configuration (each replaced whole when given). */
export function updateFeatureSet(
  db: Database,
  id: number,
  changes: { name?: string; pipeline?: PipelineInput; config?: FeatureConfigInput },
  now = new Date(),
): FeatureSetInfo {
  const row = getFeatureSetRow(db, id)
  const stored = {
    pipeline: JSON.parse(row.pipeline) as PipelineInput,
    config: JSON.parse(row.config) as FeatureConfigInput,
  }
  const params = resolveFeatureSetParams(changes.pipeline ?? stored.pipeline, changes.config ?? stored.config)
  assertComputable(params)
  return toInfo(updateFeatureSetRow(db, id, fields(changes.name ?? row.name, params), now))
}

/** Deletes a feature set (cached features stay, shared by any set with the same parameters). */
export function removeFeatureSet(db: Database, id: number): void {
  deleteFeatureSetRow(db, id)
}
