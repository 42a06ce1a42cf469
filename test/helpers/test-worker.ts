// A worker for the pool's tests: tasks that answer, fail, hang, crash, and exhaust memory.
import { serveTasks } from '../../src/main/core/workers/serve-tasks'

serveTasks({
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
})
