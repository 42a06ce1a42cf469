/**
 * Signs of life from long work (hashing a file, decoding it block by block) for whoever limits its
 * time: a worker thread's pool restarts a task's clock on each, so a large file that is still
 * moving on a loaded machine is not taken for a decoder that hangs. Outside a worker it costs a
 * call to a function that does nothing.
 */
let listener: (() => void) | undefined

/** Says that the current task made progress. */
export function beat(): void {
  listener?.()
}

/** Sets what a beat does (serveTasks reports it to the pool); undefined stops reporting. */
export function onBeat(next: (() => void) | undefined): void {
  listener = next
}
