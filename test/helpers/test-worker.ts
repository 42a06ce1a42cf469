// A worker for the pool's tests: tasks that answer, fail, hang, crash, and exhaust memory.
import { beat } from '../../src/main/core/heartbeat'
import { serveTasks } from '../../src/main/core/workers/serve-tasks'

const tasks = {
  double: (n: number) => n * 2,
  fail: (message: string) => {
    throw new Error(message)
  },
  hang: () => new Promise(() => undefined),
  exit: () => process.exit(3),
  hog: () => {
    const hoard: number[][] = []
    for (;;) hoard.push(new Array(1_000_000).fill(Math.random()))
  },
  slow: (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)),
  // Works for `ms`, saying so every 50 ms, as a decoder reports each block of a large file.
  plod: (ms: number) =>
    new Promise((resolve) => {
      const started = Date.now()
      const timer = setInterval(() => {
        beat()
        if (Date.now() - started >= ms) {
          clearInterval(timer)
          resolve(ms)
        }
      }, 50)
    }),
  // Reports progress for `ms`, then stalls.
  stall: (ms: number) =>
    new Promise(() => {
      const started = Date.now()
      const timer = setInterval(() => (Date.now() - started < ms ? beat() : clearInterval(timer)), 50)
    }),
}

/** What this worker serves, for the pool's tests (import it as a type only). */
export type TestWorkerTasks = typeof tasks

serveTasks(tasks)
