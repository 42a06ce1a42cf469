import type { ApiErrorCode } from '@shared/result'

/** An error the domain raises on purpose, with the API code it maps to. */
export class EarmarkError extends Error {
  override readonly name = 'EarmarkError'
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

/** Shorthand for a missing row. */
export const notFound = (what: string): EarmarkError => new EarmarkError('not-found', `${what} not found`)
