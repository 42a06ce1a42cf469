import { missingCaseError, type ApiErrorCode } from '@shared/result'

/** The HTTP status that goes with an API error code (the body is always the result envelope). */
export function httpStatus(code: ApiErrorCode): number {
  switch (code) {
    case 'invalid-input':
      return 400
    case 'unauthorized':
      return 401
    case 'unknown-method':
    case 'not-found':
      return 404
    case 'conflict':
    case 'no-project':
    case 'cancelled':
      return 409
    case 'payload-too-large':
      return 413
    case 'not-a-project':
    case 'schema-too-new':
    case 'corrupt':
      return 422
    case 'read-only':
      return 423
    case 'busy':
      return 503
    case 'no-space':
      return 507
    case 'internal':
      return 500
    default:
      throw missingCaseError(code)
  }
}
