import { computed, ref } from 'vue'

/**
 * What the screen shows of a failure: the API's own message (it is written for people), or an
 * error's message; the one way the renderer words an error.
 */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * The error slot every store has, and `guarded`, which runs API calls keeping a failure's message
 * there for the screen instead of throwing; `busy` is true while any of them runs (a count, so
 * that the first of two overlapping calls to finish does not clear it for the other).
 */
export function useApiCall() {
  const error = ref<string | null>(null)
  const running = ref(0)
  const busy = computed(() => running.value > 0)
  async function guarded<T>(work: () => Promise<T>): Promise<T | undefined> {
    error.value = null
    running.value++
    try {
      return await work()
    } catch (e) {
      error.value = errorMessage(e)
      return undefined
    } finally {
      running.value--
    }
  }
  return { error, busy, guarded }
}
