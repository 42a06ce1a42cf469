import { z } from 'zod'
import { apiMethods, isMethodName, MAX_INPUT_BYTES } from '@shared/contract'
import { fail, ok, type Result } from '@shared/result'
import { classifyError } from '../classify-error'
import { EarmarkError } from '../errors'
import type { ApiHandlers } from '../service'

/** Calls one API method by name with untrusted input; the single entry every transport uses. */
export type Dispatch = (method: unknown, input: unknown) => Promise<Result<unknown>>

/** Something that wants to know about failures the caller cannot fix (bugs, I/O). */
export type ErrorLogger = (method: string, error: unknown) => void

/**
 * Builds the dispatcher: refuses unknown methods and oversized inputs, validates the input
 * against the method's schema, calls the handler and turns every throw into an error result.
 * Nothing reaches a handler unvalidated.
 */
export function createDispatcher(handlers: ApiHandlers, logError: ErrorLogger = defaultLogger): Dispatch {
  return async (method, input) => {
    if (!isMethodName(method)) {
      return fail('unknown-method', `Unknown API method: ${describe(method)}.`)
    }
    const size = jsonSize(input ?? {})
    if (size === undefined) return fail('invalid-input', `${method}: the input is not plain JSON data.`)
    if (size > MAX_INPUT_BYTES) {
      return fail('payload-too-large', `${method}: the input is ${size} bytes; the limit is ${MAX_INPUT_BYTES}.`)
    }
    const parsed = apiMethods[method].input.safeParse(input ?? {})
    if (!parsed.success) {
      return fail('invalid-input', `${method}: ${z.prettifyError(parsed.error)}`, parsed.error.issues)
    }
    try {
      const handler = handlers[method] as (params: unknown) => unknown
      return ok(await handler(parsed.data))
    } catch (error) {
      if (error instanceof EarmarkError) return fail(error.code, error.message, error.details)
      const known = classifyError(error)
      if (known) return fail(known.code, `${method}: ${known.message}`)
      logError(method, error)
      return fail('internal', `${method} failed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}

function jsonSize(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value)
    return text === undefined ? undefined : Buffer.byteLength(text)
  } catch {
    return undefined // cycles, BigInt
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return `(a ${typeof value}, not a name)`
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
}

const defaultLogger: ErrorLogger = (method, error) => console.error(`[earmark] ${method} failed:`, error)
