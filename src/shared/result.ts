/**
 * Errors cross process boundaries as data: Electron's `ipcMain.handle` keeps only an error's
 * message, so every API call resolves to a `Result` with a stable code instead of throwing.
 */

/** Every way an API call can fail, sorted into the few kinds a caller can act on. */
export const apiErrorCodes = [
  'invalid-input',
  'unknown-method',
  'payload-too-large',
  'unauthorized',
  'not-found',
  'conflict',
  'no-project',
  'not-a-project',
  'schema-too-new',
  'corrupt',
  'read-only',
  'cancelled',
  'busy',
  'no-space',
  'internal',
] as const

/** A stable, machine-readable error kind. */
export type ApiErrorCode = (typeof apiErrorCodes)[number]

/** An error as it travels: a code to branch on, a message for people, optional details. */
export interface ApiError {
  code: ApiErrorCode
  message: string
  /** Per-field problems for `invalid-input`, or other structured context. */
  details?: unknown
}

/** The envelope of every API answer. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError }

/** Wraps a value as a successful result. */
export const ok = <T>(value: T): Result<T> => ({ ok: true, value })

/** Wraps an error as a failed result. */
export const fail = (code: ApiErrorCode, message: string, details?: unknown): Result<never> => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
})

/** Thrown on the caller's side by clients that unwrap results, carrying the API error whole. */
export class ApiCallError extends Error implements ApiError {
  override readonly name = 'ApiCallError'
  readonly code: ApiErrorCode
  readonly details?: unknown
  constructor(error: ApiError) {
    super(error.message)
    this.code = error.code
    this.details = error.details
  }
}

/** For exhaustive switches: a compile error when a case is missing, a clear throw at run time. */
export function missingCaseError(value: never): Error {
  return new Error(`Unhandled case: ${JSON.stringify(value)}`)
}
