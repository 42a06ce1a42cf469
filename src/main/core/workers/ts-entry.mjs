// Starts a TypeScript worker script when running from sources (tests, benchmarks under tsx): Node
// 20's --import flag does not reach worker threads, so register tsx's loader here, then load it.
import { register } from 'tsx/esm/api'
import { workerData } from 'node:worker_threads'

register({ tsconfig: workerData.tsconfig })
await import(workerData.entry)
