import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SPECTROGRAM_SETTINGS, type SpectrogramSettings } from '../../../src/shared/spectrogram'
import { setSetting } from '../../../src/main/core/catalog/settings'
import { createStudioService } from '../../../src/main/core/service'
import { createDispatcher } from '../../../src/main/core/api/dispatch'
import { testService } from '../../helpers/service'

let close: (() => Promise<void>) | undefined
afterEach(() => close?.())

const left: SpectrogramSettings = { colormap: 'magma', nFft: 2048, scale: 'mel', minDb: -90, maxDb: -10, fmax: 6000 }

describe('spectrogram settings kept in the project', () => {
  it('opens the project as it was left, in a new studio on the same file', async () => {
    const t = testService()
    close = () => t.service.close()
    expect(await t.dispatch('spectrogram:get', {})).toEqual({ ok: true, value: null })
    expect(await t.dispatch('spectrogram:set', left)).toEqual({ ok: true, value: left })
    await t.service.close()
    // Another studio (another browser, another day) opening the same project file.
    const again = createStudioService({ version: '0.0.0-test', defaultProjectPath: t.projectPath })
    close = () => again.close()
    const dispatch = createDispatcher(again.handlers, () => undefined)
    expect(await dispatch('spectrogram:get', {})).toEqual({ ok: true, value: left })
  })

  it('refuses settings the studio cannot draw, and keeps what it had', async () => {
    const t = testService()
    close = () => t.service.close()
    await t.dispatch('spectrogram:set', DEFAULT_SPECTROGRAM_SETTINGS)
    for (const bad of [
      { ...left, colormap: 'jet' },
      { ...left, nFft: 1000 },
      { ...left, scale: 'bark' },
      { ...left, minDb: -10, maxDb: -20 },
      { ...left, fmax: -1 },
      { ...left, extra: true },
    ]) {
      const answer = await t.dispatch('spectrogram:set', bad)
      expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    }
    expect(await t.dispatch('spectrogram:get', {})).toEqual({ ok: true, value: DEFAULT_SPECTROGRAM_SETTINGS })
  })

  it('reads settings it cannot understand (a later version, a hand edit) as none', async () => {
    const t = testService()
    close = () => t.service.close()
    for (const stored of ['{not json', JSON.stringify({ ...left, colormap: 'turbo' })]) {
      setSetting(t.service.catalog().db, 'spectrogram', stored)
      expect(await t.dispatch('spectrogram:get', {})).toEqual({ ok: true, value: null })
    }
  })
})
