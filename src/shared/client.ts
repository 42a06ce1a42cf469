/**
 * The typed client every caller uses, whatever carries it: the renderer gets one over Electron IPC
 * or over HTTP/WebSocket and never learns which.
 */
import type { ApiEvents, EventName, MethodInput, MethodName, MethodResult } from './contract'
import { ApiCallError, type Result } from './result'

/** What a transport must provide: one untyped call and one event subscription. */
export interface ApiTransport {
  /** Which transport this is, for the status bar and diagnostics only. */
  readonly kind: 'ipc' | 'http'
  call(method: MethodName, input: unknown): Promise<Result<unknown>>
  /** Subscribes to an event; returns the teardown. */
  on(event: EventName, listener: (payload: unknown) => void): () => void
}

/** The typed surface over a transport. */
export interface ApiClient {
  readonly transport: ApiTransport['kind']
  /** Calls a method and returns its result envelope. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodResult<M>>>
  /** Calls a method and returns its value, throwing `ApiCallError` on failure. */
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>>
  /** Subscribes to an event; returns the teardown. */
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void
}

/** Wraps a transport in the typed client. */
export function createApiClient(transport: ApiTransport): ApiClient {
  const call = <M extends MethodName>(method: M, input: MethodInput<M>) =>
    transport.call(method, input) as Promise<Result<MethodResult<M>>>
  return {
    transport: transport.kind,
    call,
    async invoke(method, input) {
      const result = await call(method, input)
      if (!result.ok) throw new ApiCallError(result.error)
      return result.value
    },
    on(event, listener) {
      return transport.on(event, listener as (payload: unknown) => void)
    },
  }
}
