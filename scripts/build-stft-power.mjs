// `node scripts/build-stft-power.mjs`: compiles the AssemblyScript STFT power kernel
// (src/main/core/features/assembly/stft-power.ts) and writes the binary, base64-encoded, into
// src/main/core/features/stft-power-wasm.ts, so that sources, tests, the CLI and the bundled app
// load the same bytes without a file lookup. test/unit/features/wasm-power.test.ts recompiles the
// source (compileStftPower) and fails if the committed bytes differ.
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compileAssemblyScript, writeWasmModule } from './assemblyscript.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = join(root, 'src/main/core/features/assembly/stft-power.ts')

/** The wasm bytes of the kernel: its own memory (the caller grows it), no runtime, no imports. */
export function compileStftPower() {
  return compileAssemblyScript(source, [
    '-O3',
    '--noAssert',
    '--runtime',
    'stub',
    '--use',
    'abort=',
    '--enable',
    'simd',
  ])
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeWasmModule(
    join(root, 'src/main/core/features/stft-power-wasm.ts'),
    'STFT_POWER_WASM_BASE64',
    'scripts/build-stft-power.mjs from features/assembly/stft-power.ts',
    await compileStftPower(),
  )
}
