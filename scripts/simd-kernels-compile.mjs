// Compiles the AssemblyScript SIMD training kernels to a wasm binary in memory (for the build
// script and for the test that checks the committed binary matches its source).
import asc from 'assemblyscript/asc'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

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
export async function compileSimdKernels() {
  let binary = null
  const errors = []
  const { error } = await asc.main([SIMD_KERNELS_SOURCE, ...ASC_FLAGS, '--outFile', 'kernels.wasm'], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = contents
    },
    stderr: { write: (text) => errors.push(String(text)) },
    stdout: { write: () => {} },
  })
  if (error || !binary) throw new Error(`asc failed: ${error?.message ?? ''} ${errors.join('')}`)
  return binary
}
