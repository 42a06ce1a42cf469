import { describe, expect, it } from 'vitest'
import { compileSimdKernels } from '../../../scripts/simd-kernels-compile.mjs'
import { SIMD_KERNELS_WASM_BASE64 } from '../../../src/main/core/kernels/simd/kernels-wasm'

/** The ids of a wasm binary's sections, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = []
  let at = 8
  while (at < bytes.length) {
    const id = bytes[at++] as number
    let size = 0
    let shift = 0
    let byte: number
    do {
      byte = bytes[at++] as number
      size |= (byte & 0x7f) << shift
      shift += 7
    } while (byte & 0x80)
    ids.push(id)
    at += size
  }
  return ids
}

/** The WebAssembly API's module inspection (its value, which Node's typings here leave out). */
interface ModuleApi {
  Module: {
    new (bytes: Uint8Array): object
    imports(module: object): { module: string; name: string; kind: string }[]
    exports(module: object): { name: string; kind: string }[]
  }
}
const { Module } = (globalThis as unknown as { WebAssembly: ModuleApi }).WebAssembly

const committed = new Uint8Array(Buffer.from(SIMD_KERNELS_WASM_BASE64, 'base64'))

describe('SIMD training kernels (AssemblyScript)', () => {
  it('the committed binary is what its source compiles to (npm run build:simd)', async () => {
    const fresh = await compileSimdKernels()
    expect(Buffer.from(fresh).equals(Buffer.from(committed))).toBe(true)
  }, 60_000)

  it('imports only the backend’s memory, and holds no data or global that could write into it', () => {
    const module = new Module(committed)
    expect(Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }])
    expect(Module.exports(module).every((e) => e.kind === 'function')).toBe(true)
    const ids = sectionIds(committed)
    expect(ids).not.toContain(6) // globals (a stack pointer)
    expect(ids).not.toContain(11) // data segments
    expect(ids).not.toContain(8) // a start function
  })
})
