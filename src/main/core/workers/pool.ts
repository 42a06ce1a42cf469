import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type {
  TaskHandlers,
  TaskInput,
  TaskResult,
  UntypedTasks,
  WorkerBeat,
  WorkerReady,
  WorkerReply,
  WorkerRequest,
} from './protocol'
import type { WorkerScript } from './script'

/** A worker died (crashed, ran out of memory) while running a task. */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError'
}

/** A task ran longer than the pool allows; its worker was stopped. */
export class TaskTimeoutError extends Error {
  override readonly name = 'TaskTimeoutError'
}

/** How a pool runs its workers. */
export interface WorkerPoolOptions {
  /** Worker threads (default: one per core). */
  size?: number
  /**
   * A task that runs this long without progress is stopped with its worker (default 30 s). A task
   * whose worker reports progress (WorkerBeat: a file hashed or decoded block by block) gets this
   * long again from each report, so a large file on a loaded machine is not taken for a hang.
   */
  taskTimeoutMs?: number
  /** Heap limit of each worker, so one pathological file cannot exhaust the process (default 1 GiB). */
  maxHeapMb?: number
}

interface Pending {
  request: WorkerRequest
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/** Longest wait for a worker's ready message before its task's clock starts anyway. */
const STARTUP_GRACE_MS = 60_000

interface Slot {
  worker: Worker
  busy?: Pending
  timer?: NodeJS.Timeout
  /** Whether the worker's script has loaded (it said so); its task's clock starts then. */
  ready: boolean
}

/**
 * A fixed set of worker threads running one task each at a time. A worker that crashes or times
 * out costs only its current task: the task fails with a clear error and a fresh worker takes
 * its place, so the caller (and the studio's main thread) carries on.
 */
export class WorkerPool<Tasks extends TaskHandlers = UntypedTasks> {
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private nextId = 1
  private closed = false
  private readonly size: number
  private readonly timeoutMs: number
  private readonly maxHeapMb: number

  constructor(
    private readonly script: WorkerScript<Tasks>,
    options: WorkerPoolOptions = {},
  ) {
    this.size = Math.max(1, options.size ?? availableParallelism())
    this.timeoutMs = options.taskTimeoutMs ?? 30_000
    this.maxHeapMb = options.maxHeapMb ?? 1024
  }

  /** Runs a task on the next free worker: its input and result are the task's own types. */
  run<Task extends keyof Tasks & string>(task: Task, input: TaskInput<Tasks[Task]>): Promise<TaskResult<Tasks[Task]>> {
    type Result = TaskResult<Tasks[Task]>
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'))
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, task, input }, resolve: resolve as (v: unknown) => void, reject })
      this.pump()
    })
  }

  /** Stops every worker; queued tasks fail. */
  async close(): Promise<void> {
    this.closed = true
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the worker pool was closed'))
    await Promise.all(this.slots.splice(0).map((slot) => this.stop(slot, new Error('the worker pool was closed'))))
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy)
      if (!slot && this.slots.length < this.size) slot = this.spawn()
      if (!slot) return
      const pending = this.queue.shift()
      if (!pending) return
      slot.busy = pending
      if (slot.ready) this.startClock(slot)
      slot.worker.postMessage(pending.request)
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.script.path, {
      workerData: this.script.workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    })
    const slot: Slot = { worker, ready: false }
    // A script that never says it is ready (not built on serveTasks) still gets a time limit.
    setTimeout(() => {
      if (slot.ready) return
      slot.ready = true
      if (slot.busy) this.startClock(slot)
    }, STARTUP_GRACE_MS).unref()
    worker.on('message', (reply: WorkerReply | WorkerReady | WorkerBeat) => {
      if ('ready' in reply) {
        slot.ready = true
        if (slot.busy) this.startClock(slot)
        return
      }
      if ('beat' in reply) {
        if (slot.busy?.request.id === reply.id && slot.timer) this.startClock(slot)
        return
      }
      const pending = slot.busy
      if (!pending || pending.request.id !== reply.id) return
      this.release(slot)
      if (reply.ok) pending.resolve(reply.value)
      else pending.reject(new Error(reply.error))
      this.pump()
    })
    worker.on('error', (error) => this.crashed(slot, error.message))
    worker.on('exit', (code) => this.crashed(slot, `worker exited with code ${code}`))
    this.slots.push(slot)
    return slot
  }

  private startClock(slot: Slot): void {
    clearTimeout(slot.timer)
    slot.timer = setTimeout(() => this.timeout(slot), this.timeoutMs)
  }

  private release(slot: Slot): void {
    clearTimeout(slot.timer)
    slot.busy = undefined
    slot.timer = undefined
  }

  private crashed(slot: Slot, why: string): void {
    const index = this.slots.indexOf(slot)
    if (index < 0) return // already replaced (a timeout stopped it)
    this.slots.splice(index, 1)
    const pending = slot.busy
    this.release(slot)
    pending?.reject(new WorkerCrashedError(`worker crashed: ${why}`))
    if (!this.closed) this.pump()
  }

  private timeout(slot: Slot): void {
    const index = this.slots.indexOf(slot)
    if (index < 0) return
    this.slots.splice(index, 1)
    const pending = slot.busy
    this.release(slot)
    pending?.reject(new TaskTimeoutError(`no progress for ${this.timeoutMs / 1000} s`))
    void slot.worker.terminate()
    this.pump()
  }

  private async stop(slot: Slot, why: Error): Promise<void> {
    const pending = slot.busy
    this.release(slot)
    pending?.reject(why)
    await slot.worker.terminate()
  }
}
