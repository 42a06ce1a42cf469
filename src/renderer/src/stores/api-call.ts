import { ref } from 'vue'
import { ApiCallError } from '@shared/result'

/** What the screen shows of a failed API call: the API's own message (it is written for people). */
export const errorMessage = (e: unknown): string => (e instanceof ApiCallError ? e.message : String(e))

/**
 * The error slot every store has, and `guarded`, which runs API calls keeping a failure's message
 * there for the screen instead of throwing; `busy` is true while one runs.
 */
export function useApiCall() {
  const error = ref<string | null>(null)
  const busy = ref(false)
  async function guarded<T>(work: () => Promise<T>): Promise<T | undefined> {
    error.value = null
    busy.value = true
    try {
      return await work()
    } catch (e) {
      error.value = errorMessage(e)
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { error, busy, guarded }
}
