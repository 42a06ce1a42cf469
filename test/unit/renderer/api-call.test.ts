// The renderer's one way of running API calls for a screen: failures become the message shown,
// and `busy` holds while any call runs.
import { describe, expect, it } from 'vitest'
import { ApiCallError } from '@shared/result'
import { errorMessage, useApiCall } from '../../../src/renderer/src/stores/api-call'

describe('useApiCall', () => {
  it('stays busy until the last of two overlapping calls ends', async () => {
    const { busy, guarded } = useApiCall()
    let finishFirst = (): void => undefined
    let finishSecond = (): void => undefined
    const first = guarded(() => new Promise<void>((resolve) => (finishFirst = resolve)))
    const second = guarded(() => new Promise<void>((resolve) => (finishSecond = resolve)))
    expect(busy.value).toBe(true)
    finishFirst()
    await first
    expect(busy.value).toBe(true)
    finishSecond()
    await second
    expect(busy.value).toBe(false)
  })

  it('keeps a failure’s message for the screen and resolves to undefined', async () => {
    const { error, busy, guarded } = useApiCall()
    const result = await guarded(() => Promise.reject(new ApiCallError({ code: 'conflict', message: 'taken' })))
    expect(result).toBeUndefined()
    expect(error.value).toBe('taken')
    expect(busy.value).toBe(false)
  })

  it('words every kind of failure the same way', () => {
    expect(errorMessage(new ApiCallError({ code: 'busy', message: 'The catalog is busy' }))).toBe('The catalog is busy')
    expect(errorMessage(new SyntaxError('Unexpected token'))).toBe('Unexpected token')
    expect(errorMessage('plain')).toBe('plain')
  })
})
