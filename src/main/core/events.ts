/** A small typed emitter whose `on` returns its own teardown. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>()

  /** Subscribes; the returned function unsubscribes. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => set.delete(listener as (payload: never) => void)
  }

  /** Calls every listener; one that throws does not stop the others. */
  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        ;(listener as (payload: Events[E]) => void)(payload)
      } catch (error) {
        console.error(`listener of ${String(event)} failed:`, error)
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.listeners.clear()
  }
}
