// The TensorFlow.js engine: the fastest backend that loads, tensorflow (native
// libtensorflow through the optional @tensorflow/tfjs-node) → wasm (SIMD, threads where the
// runtime allows) → cpu, and a report of which one runs for the studio, the CLI and run records.
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { registerCpuTrainingKernels } from '../kernels/cpu-kernels'
import { registerWasmTrainingKernels } from '../kernels/wasm-kernels'

/** The backends, fastest first. */
export const ENGINE_NAMES = ['tensorflow', 'wasm', 'cpu'] as const
/** A TensorFlow.js backend Earmark can train on. */
export type EngineName = (typeof ENGINE_NAMES)[number]

/** Which engine runs, and how. */
export interface EngineInfo {
  /** The backend in use. */
  name: EngineName
  /** TensorFlow.js's version. */
  version: string
  /** wasm only: whether the SIMD build runs. */
  simd: boolean
  /** Threads of the wasm backend's pool (1 where the runtime has no wasm threads, as Node); 1 for cpu; tensorflow manages its own. */
  threads: number
  /**
   * Threads that train one model together, each on its own engine (set by the trainer once a run
   * has started; absent from a thread's engine before that).
   */
  workers?: number
  /** Why each faster backend did not load, e.g. `{ tensorflow: 'Cannot find package …' }`. */
  skipped: Partial<Record<EngineName, string>>
}

/** How to choose the engine. */
export interface EngineOptions {
  /** Backends to try, in order (default: all, fastest first). */
  prefer?: readonly EngineName[]
  /** wasm threads where the runtime supports them (default: the wasm backend's own choice). */
  threads?: number
}

let current: EngineInfo | null = null
let pending: Promise<EngineInfo> | null = null

/**
 * The folder holding tfjs-backend-wasm's .wasm binaries, found from this module at run time: from
 * sources (src/main/core/training) and from the electron-vite build (out/main/…, where the package
 * stays an external dependency) alike, Node's resolution reaches the same node_modules.
 */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url)
  const main = require.resolve('@tensorflow/tfjs-backend-wasm')
  // main is dist/tf-backend-wasm.node.js; the binaries sit beside it. In a packaged app the
  // binaries must be unpacked from the asar archive, as WebAssembly is read from the disk.
  return dirname(main).replace(`app.asar${sep}`, `app.asar.unpacked${sep}`) + sep
}

async function tryTensorflow(): Promise<void> {
  // A variable specifier: the optional dependency is absent from most installs, and neither the
  // type checker nor the bundler should look for it.
  const specifier = '@tensorflow/tfjs-node'
  await import(/* @vite-ignore */ specifier)
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise')
}

async function tryWasm(threads: number | undefined): Promise<void> {
  setWasmPaths(wasmBinaryDir())
  if (threads !== undefined) setThreadsCount(threads)
  registerWasmTrainingKernels()
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise')
}

async function choose(options: EngineOptions): Promise<EngineInfo> {
  const skipped: Partial<Record<EngineName, string>> = {}
  for (const name of options.prefer ?? ENGINE_NAMES) {
    try {
      if (name === 'tensorflow') await tryTensorflow()
      else if (name === 'wasm') await tryWasm(options.threads)
      else {
        registerCpuTrainingKernels()
        if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise')
      }
      await tf.ready()
      const simd = name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false
      const threads = name === 'wasm' ? getThreadsCount() : 1
      return { name, version: tf.version.tfjs, simd, threads, skipped }
    } catch (error) {
      skipped[name] = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error)
    }
  }
  throw new Error(`no TensorFlow.js backend loaded: ${JSON.stringify(skipped)}`)
}

/**
 * Selects the engine once per thread (later calls return the first choice; pass `prefer` to the
 * first call to force one, as tests and benchmarks do).
 */
export async function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  if (current) return current
  pending ??= choose(options).then((info) => (current = info))
  try {
    return await pending
  } finally {
    pending = null
  }
}

/**
 * Switches this thread to another backend, or to the first of several that loads (benchmarks and
 * parity tests compare them).
 */
export async function useEngine(
  name: EngineName | readonly EngineName[],
  options: Omit<EngineOptions, 'prefer'> = {},
): Promise<EngineInfo> {
  current = null
  return initEngine({ ...options, prefer: typeof name === 'string' ? [name] : name })
}

/** The engine in use, or null before `initEngine`. */
export function engineInfo(): EngineInfo | null {
  return current
}

/** Path of a file of tfjs-backend-wasm's dist folder (for tests that check the binaries are found). */
export function wasmBinaryPath(file = 'tfjs-backend-wasm-simd.wasm'): string {
  return join(wasmBinaryDir(), file)
}
