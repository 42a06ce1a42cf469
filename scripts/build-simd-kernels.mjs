// `npm run build:simd`: compiles the AssemblyScript SIMD training kernels
// (src/main/core/kernels/simd/assembly/kernels.ts) and writes the binary, base64-encoded, into
// src/main/core/kernels/simd/kernels-wasm.ts, so that sources, tests, the CLI and the bundled app
// load the same bytes without a file lookup. test/unit/kernels/simd-kernels.test.ts recompiles
// the source and fails if the committed bytes differ.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeWasmModule } from './assemblyscript.mjs'
import { compileSimdKernels } from './simd-kernels-compile.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
writeWasmModule(
  join(root, 'src/main/core/kernels/simd/kernels-wasm.ts'),
  'SIMD_KERNELS_WASM_BASE64',
  'scripts/build-simd-kernels.mjs from simd/assembly/kernels.ts',
  await compileSimdKernels(),
)
