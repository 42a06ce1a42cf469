/** The wasm bytes of the STFT power kernel, compiled from its AssemblyScript source. */
export function compileStftPower(): Promise<Uint8Array>
