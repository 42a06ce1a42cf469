/// <reference types="vite/client" />
import type { EventName, MethodName } from '@shared/contract'
import type { Result } from '@shared/result'

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

declare global {
  interface Window {
    /** Present only inside the Electron window: the API as the preload script exposes it. */
    earmark?: {
      api: Record<MethodName, (input: unknown) => Promise<Result<unknown>>>
      on(event: EventName, listener: (payload: unknown) => void): () => void
    }
  }
}
