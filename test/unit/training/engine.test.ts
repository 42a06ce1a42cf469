import { existsSync } from 'node:fs'
import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { engineInfo, useEngine, wasmBinaryDir } from '../../../src/main/core/training'
import { wasmBinaryPath } from '../../../src/main/core/training/engine'

describe('the training engine', () => {
  afterAll(async () => {
    await useEngine('wasm')
  })

  it('finds the wasm binaries at run time', () => {
    expect(wasmBinaryDir()).toMatch(/tfjs-backend-wasm[/\\]dist[/\\]$/)
    for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'])
      expect(existsSync(wasmBinaryPath(file))).toBe(true)
  })

  it('takes the fastest backend that loads and says why it skipped the others', async () => {
    let nativeError = ''
    try {
      await import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/'))
    } catch (error) {
      nativeError = String(error)
    }
    const info = await useEngine(['tensorflow', 'wasm', 'cpu'])
    expect(engineInfo()).toEqual(info)
    expect(tf.getBackend()).toBe(info.name)
    if (nativeError) {
      // tfjs-node is an optional dependency that does not install everywhere: then wasm runs.
      expect(info.name).toBe('wasm')
      expect(info.skipped.tensorflow).toBeTruthy()
      expect(info.simd).toBe(true)
      expect(info.threads).toBeGreaterThanOrEqual(1)
    } else {
      expect(info.name).toBe('tensorflow')
    }
  })

  it('falls back to cpu when asked for it, and reports it', async () => {
    const info = await useEngine('cpu')
    expect(info).toMatchObject({ name: 'cpu', simd: false, threads: 1 })
    expect(tf.getBackend()).toBe('cpu')
  })
})
