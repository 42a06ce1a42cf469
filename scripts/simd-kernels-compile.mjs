// Compiles the AssemblyScript SIMD training kernels to a wasm binary in memory (for the build
// script and for the test that checks the committed binary matches its source).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileAssemblyScript } from './assemblyscript.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const SIMD_KERNELS_SOURCE = join(root, 'src/main/core/kernels/simd/assembly/kernels.ts')

/**
 * The module imports tfjs-backend-wasm's memory and must never write where it was not told to:
 * the stub runtime (never called), no abort import, and no assertions; the test checks it holds
 * no data segment and no global.
 */
export const ASC_FLAGS = [
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--noExportMemory',
  '--use',
  'abort=',
  '--enable',
  'simd',
]

/** The wasm bytes of the kernels. */
export function compileSimdKernels() {
  return compileAssemblyScript(SIMD_KERNELS_SOURCE, ASC_FLAGS)
}
