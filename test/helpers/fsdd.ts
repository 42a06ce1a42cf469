import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './cli'

/** The shared real-audio dataset: 1,500 spoken digits (see ../shared/datasets/fsdd-dev.README.md). */
export const FSDD = join(ROOT, '..', 'shared', 'datasets', 'fsdd-dev')

/** The dataset's file-name convention: digit, speaker, take. */
export const FSDD_PATTERN = '(?<label>\\d)_(?<group>[a-z]+)_(?<take>\\d+)\\.wav'

/** Whether the dataset is here (it is in this workplace and in CI; elsewhere tests say why they skip). */
export const hasFsdd = existsSync(FSDD)

/** Why FSDD tests skip, when they do. */
export const FSDD_MISSING = `skipped: ${FSDD} is absent (it ships beside the checkout in this workplace and in CI)`
