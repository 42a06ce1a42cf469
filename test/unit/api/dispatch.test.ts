import { afterEach, describe, expect, it } from 'vitest'
import { MAX_INPUT_BYTES, methodNames } from '../../../src/shared/contract'
import type { Result } from '../../../src/shared/result'
import { testService } from '../../helpers/service'

let close: (() => Promise<void>) | undefined
afterEach(() => close?.())

function setup() {
  const t = testService()
  close = () => t.service.close()
  const snapshot = () => t.dispatch('project:get', {})
  return { ...t, snapshot }
}

const errorOf = (result: Result<unknown>) => {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`)
  return result.error
}

describe('the API dispatcher', () => {
  it('calls the service with valid input', async () => {
    const { dispatch } = setup()
    const added = await dispatch('classes:add', { name: '  dog  ' })
    expect(added).toMatchObject({ ok: true, value: { name: 'dog', hotkey: '1' } })
  })

  it('rejects wrong types with the field and reason, and changes nothing', async () => {
    const { dispatch, snapshot } = setup()
    const before = await snapshot()
    for (const input of [
      { name: 42 },
      { name: '' },
      { name: 'ok', color: 'red' },
      { name: 'ok', hotkey: 'F1' },
      { name: 'bell\u0007' },
      { name: 'x'.repeat(201) },
      null,
      'dog',
      [1, 2],
    ]) {
      const error = errorOf(await dispatch('classes:add', input))
      expect(error.code).toBe('invalid-input')
      expect(error.message).toMatch(/^classes:add: /)
    }
    const wrongType = errorOf(await dispatch('classes:add', { name: 42 }))
    expect(wrongType.message).toMatch(/name/)
    expect(await snapshot()).toEqual(before)
  })

  it('rejects unknown keys instead of ignoring them', async () => {
    const { dispatch } = setup()
    const error = errorOf(await dispatch('project:rename', { name: 'a', admin: true }))
    expect(error.code).toBe('invalid-input')
    expect(error.message).toMatch(/admin/)
  })

  it('rejects unknown methods, including names inherited from Object', async () => {
    const { dispatch } = setup()
    for (const method of ['project:drop', '__proto__', 'constructor', 'toString', '', 42, null, undefined]) {
      expect(errorOf(await dispatch(method, {})).code).toBe('unknown-method')
    }
  })

  it('rejects an oversized payload before validating it, and changes nothing', async () => {
    const { dispatch, snapshot } = setup()
    const before = await snapshot()
    const error = errorOf(await dispatch('classes:add', { name: 'a', padding: 'x'.repeat(MAX_INPUT_BYTES) }))
    expect(error.code).toBe('payload-too-large')
    expect(error.message).toMatch(String(MAX_INPUT_BYTES))
    expect(await snapshot()).toEqual(before)
  })

  it('rejects inputs that are not plain data', async () => {
    const { dispatch } = setup()
    const cyclic: Record<string, unknown> = { name: 'a' }
    cyclic['self'] = cyclic
    expect(errorOf(await dispatch('classes:add', cyclic)).code).toBe('invalid-input')
    expect(errorOf(await dispatch('classes:add', { name: 10n })).code).toBe('invalid-input')
  })

  it('turns domain errors into their codes', async () => {
    const { dispatch } = setup()
    await dispatch('classes:add', { name: 'dog' })
    expect(errorOf(await dispatch('classes:add', { name: 'DOG' })).code).toBe('conflict')
    expect(errorOf(await dispatch('classes:remove', { id: 999 })).code).toBe('not-found')
    expect(errorOf(await dispatch('project:open', { path: '/nonexistent/x.earmark' })).code).toBe('not-found')
    expect(errorOf(await dispatch('jobs:cancel', { id: 5 })).code).toBe('not-found')
  })

  it('reports unexpected failures as internal errors and logs them', async () => {
    const { dispatch, service, errors } = setup()
    await dispatch('project:get', {})
    service.catalog().db.close()
    const error = errorOf(await dispatch('classes:list', {}))
    expect(error.code).toBe('internal')
    expect(errors).toHaveLength(1)
  })

  it('validates every method: each refuses a non-object input', async () => {
    const { dispatch } = setup()
    for (const method of methodNames) {
      expect(errorOf(await dispatch(method, 'not an object')).code, method).toBe('invalid-input')
    }
  })
})

describe('the service', () => {
  it('emits project:changed when the project changes', async () => {
    const { dispatch, service } = setup()
    const seen: string[] = []
    service.events.on('project:changed', (p) => seen.push(`${p.name}:${p.classes.length}`))
    await dispatch('project:rename', { name: 'Birds' })
    await dispatch('classes:add', { name: 'robin' })
    expect(seen).toEqual(['Birds:0', 'Birds:1'])
  })

  it('creates the default project on first use and reopens it after', async () => {
    const { dispatch, projectPath, service } = setup()
    const first = await dispatch('project:get', {})
    expect(first).toMatchObject({ ok: true, value: { path: projectPath, name: 'My project' } })
    await dispatch('classes:add', { name: 'wren' })
    await service.close()
    const again = await dispatch('project:get', {})
    expect(again).toMatchObject({ ok: true, value: { classes: [{ name: 'wren' }] } })
  })

  it('switches projects and refuses to create over an existing one', async () => {
    const { dispatch, dir } = setup()
    const other = `${dir}/other.earmark`
    expect(await dispatch('project:create', { path: other, name: 'Other' })).toMatchObject({
      ok: true,
      value: { name: 'Other' },
    })
    expect(errorOf(await dispatch('project:create', { path: other })).code).toBe('conflict')
    expect(await dispatch('project:get', {})).toMatchObject({ ok: true, value: { path: other } })
  })
})
