/** Path of the AssemblyScript source of the SIMD training kernels. */
export const SIMD_KERNELS_SOURCE: string
/** The compiler flags the kernels are built with. */
export const ASC_FLAGS: string[]
/** The wasm bytes of the kernels. */
export function compileSimdKernels(): Promise<Uint8Array>
