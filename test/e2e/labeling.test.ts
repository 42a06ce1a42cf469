import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClipDetail, ClipRow, Region } from '../../src/shared/domain'
import { getClipDetail, queryClips } from '../../src/main/core/catalog/clip-query'
import { openCatalog } from '../../src/main/core/catalog/open'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'
import { encodeWav } from '../helpers/wav-writer'
import { LabelingPage } from './labeling-page'
import { launchChromium, SCREENSHOTS } from './studio'

const RATE = 16000
const CLIPS = 8

/** Two seconds of something worth looking at: a steady tone, a rising chirp and a noise burst. */
function clip(i: number): Float32Array {
  const out = new Float32Array(2 * RATE)
  const toneHz = 500 + 250 * i
  let chirpPhase = 0
  let seed = 1234 + i
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
  for (let n = 0; n < out.length; n++) {
    const t = n / RATE
    const chirpHz = 2000 + 3000 * (t / 2)
    chirpPhase += (2 * Math.PI * chirpHz) / RATE
    const burst = t > 1.2 && t < 1.5 ? 0.15 * noise() : 0
    out[n] = 0.25 * Math.sin(2 * Math.PI * toneHz * t) + (t > 0.3 && t < 1 ? 0.3 * Math.sin(chirpPhase) : 0) + burst
  }
  return out
}

let browser: Browser
let served: { url: string; child: ChildProcess }
let projectPath: string
let audioDir: string

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  projectPath = join(dir, 'Pond.earmark')
  audioDir = join(dir, 'pond recordings')
  mkdirSync(audioDir)
  for (let i = 1; i <= CLIPS; i++) {
    writeFileSync(join(audioDir, `clip-${String(i).padStart(2, '0')}.wav`), encodeWav([clip(i)], RATE, 'pcm16'))
  }
  expect(runEarmark(['init', projectPath, '--name', 'Pond']).code).toBe(0)
  served = await startServe([projectPath])
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('labeling by hand in a browser (serve mode)', () => {
  it('labels clips with keys, edits a region and a box, undoes and redoes, and keeps it all across a reload', async () => {
    const page = new LabelingPage(await browser.newPage({ viewport: { width: 1400, height: 1000 } }))
    await page.open(served.url)
    for (const name of ['bird', 'frog', 'insect']) await page.addClass(name)
    expect(await page.importFolder(audioDir)).toBe(CLIPS)

    await page.openLibrary()
    await page.page.getByLabel('autoplay').uncheck()
    // Keys typed into a field are the field's: give the focus back to the page.
    await page.clipName().click()
    await expect(page.clipName().textContent()).resolves.toBe('clip-01.wav')

    // Five clips, one key each: every key labels the clip and moves on to the next unlabeled one.
    const keys = ['1', '2', '1', '3', '2']
    for (const [i, key] of keys.entries()) {
      await page.press(key)
      await page.waitForClip(`clip-${String(i + 2).padStart(2, '0')}.wav`)
    }
    await expect(page.clipName().textContent()).resolves.toBe('clip-06.wav')
    const clipId = await page.waitForDrawn()
    await page.waitForSpectrogram()

    // A region: drag on the waveform, then pull its right edge further, then label it with a key.
    await page.dragIn(page.waveform(), [0.2, 0.5], [0.4, 0.5])
    await page.regionRows('region').first().waitFor()
    const created = (await page.api<ClipDetail>('clips:get', { id: clipId })).regions[0] as Region
    expect(created.end - created.start).toBeGreaterThan(0.3)
    const rightHandle = page.waveform().locator('[part~="region-handle-right"]').first()
    await page.dragBy(rightHandle, 120, 0)
    await expect
      .poll(async () => (await page.api<ClipDetail>('clips:get', { id: clipId })).regions[0]?.end)
      .toBeGreaterThan(created.end + 0.1)
    // The new region is selected: a class key labels it rather than the clip.
    const classIds = new Map(
      (await page.api<{ id: number; name: string }[]>('classes:list', {})).map((c) => [c.name, c.id]),
    )
    expect([...classIds.keys()].sort()).toEqual(['bird', 'frog', 'insect'])
    await page.press('3')
    await expect
      .poll(
        async () => (await page.api<ClipDetail>('clips:get', { id: clipId })).regions.find((r) => !isBox(r))?.classId,
      )
      .toBe(classIds.get('insect'))

    // A time-frequency box: drag on the spectrogram, then label it with a key.
    await page.dragIn(page.boxLayer(), [0.55, 0.3], [0.8, 0.7])
    await page.regionRows('box').first().waitFor()
    await page.press('2')
    await expect
      .poll(async () => (await page.api<ClipDetail>('clips:get', { id: clipId })).regions.find(isBox)?.classId)
      .toBe(classIds.get('frog'))

    // Undo twice (the box's label, then the box), redo once (the box, unlabeled).
    await page.press('Control+z')
    await expect.poll(async () => boxOf(await page.api<ClipDetail>('clips:get', { id: clipId }))?.classId).toBeNull()
    await page.press('Control+z')
    await expect.poll(async () => boxOf(await page.api<ClipDetail>('clips:get', { id: clipId }))).toBeUndefined()
    await page.press('Control+Shift+z')
    await expect.poll(async () => boxOf(await page.api<ClipDetail>('clips:get', { id: clipId }))).toBeDefined()

    // The spectrogram follows the waveform's zoom: a narrower window is fetched, then the whole clip again.
    const spectrogramWindow = async () => {
      const window = await page.page.getByTestId('spectrogram').getAttribute('data-window')
      const [from, to] = (window ?? '0-0').split('-').map(Number)
      return (to ?? 0) - (from ?? 0)
    }
    for (let i = 0; i < 3; i++) await page.press('+')
    await expect.poll(spectrogramWindow).toBeLessThan(1.5)
    for (let i = 0; i < 3; i++) await page.press('-')
    await expect.poll(spectrogramWindow).toBeCloseTo(2, 2)

    // Reload: the address brings the Label tab back, and everything is where the catalog put it.
    await page.page.reload()
    await page.openLibrary()
    await page.page.getByTestId('row-clip-06.wav').click()
    await page.waitForDrawn(clipId)
    await page.waitForSpectrogram()
    await page.regionRows('box').first().waitFor()
    await expect(page.regionRows('region').count()).resolves.toBe(1)
    await expect(page.regionRows('box').count()).resolves.toBe(1)
    await expect(page.page.locator('[data-testid^="box-"][data-box]').count()).resolves.toBe(1)
    mkdirSync(SCREENSHOTS, { recursive: true })
    const shot = join(SCREENSHOTS, 'clip-view-labeling.png')
    await page.page.getByTestId('clip-view').screenshot({ path: shot })

    const classes = await page.api<{ id: number; name: string }[]>('classes:list')
    const name = new Map(classes.map((c) => [c.id, c.name]))
    const expected: Record<string, string[]> = {
      'clip-01.wav': ['bird'],
      'clip-02.wav': ['frog'],
      'clip-03.wav': ['bird'],
      'clip-04.wav': ['insect'],
      'clip-05.wav': ['frog'],
      'clip-06.wav': [],
      'clip-07.wav': [],
      'clip-08.wav': [],
    }
    // Through the API, as the page sees it…
    const rows = (await page.api<{ rows: ClipRow[] }>('clips:query', { limit: 100 })).rows
    expect(Object.fromEntries(rows.map((r) => [r.name, r.labels.map((id) => name.get(id))]))).toEqual(expected)
    const detail = await page.api<ClipDetail>('clips:get', { id: clipId })
    expectRegions(detail, name)

    // …and in the catalog file itself, as any other reader sees it.
    const catalog = openCatalog(projectPath, { create: false })
    try {
      const stored = queryClips(catalog.db, {}, { column: 'name', direction: 'asc' }, 0, 100).rows
      expect(Object.fromEntries(stored.map((r) => [r.name, r.labels.map((id) => name.get(id))]))).toEqual(expected)
      expectRegions(getClipDetail(catalog.db, clipId), name)
    } finally {
      catalog.close()
    }

    // The labels show in the list, and on the first clip when it is opened.
    await page.page.getByTestId('row-clip-01.wav').click()
    await page.page.getByTestId('clip-label-bird').waitFor()
  })
})

describe('time-frequency boxes on the spectrogram', () => {
  it('moves a box, resizes it by its edges, and deletes it with a key', async () => {
    // The clips are there when the test above ran; alone, this one imports them itself.
    expect(runEarmark(['import', projectPath, audioDir, '--labels-from', 'none']).code).toBe(0)
    const page = new LabelingPage(await browser.newPage({ viewport: { width: 1400, height: 1000 } }))
    await page.open(served.url)
    await page.openLibrary()
    await page.page.getByTestId('row-clip-07.wav').click()
    const clipId = await page.waitForClip('clip-07.wav')
    await page.waitForSpectrogram()
    const box = async () => boxOf(await page.api<ClipDetail>('clips:get', { id: clipId }))

    await page.dragIn(page.boxLayer(), [0.1, 0.5], [0.3, 0.8])
    await page.regionRows('box').first().waitFor()
    const drawn = (await box()) as Region
    const element = page.page.locator('[data-box]').first()

    await page.dragBy(element.locator('[data-edge="top"]'), 0, -30)
    await expect.poll(async () => (await box())?.highFreq).toBeGreaterThan((drawn.highFreq ?? 0) + 100)
    await page.dragBy(element.locator('[data-edge="right"]'), 60, 0)
    await expect.poll(async () => (await box())?.end).toBeGreaterThan(drawn.end + 0.05)
    const resized = (await box()) as Region
    expect(resized.start).toBeCloseTo(drawn.start, 6)
    expect(resized.lowFreq).toBeCloseTo(drawn.lowFreq ?? 0, 6)

    // A drag inside moves it later in time and lower in frequency, keeping its length.
    await page.dragBy(element, 80, 20)
    await expect.poll(async () => (await box())?.start).toBeGreaterThan(resized.start + 0.05)
    const moved = (await box()) as Region
    expect(moved.end - moved.start).toBeCloseTo(resized.end - resized.start, 6)
    expect(moved.lowFreq).toBeLessThan(resized.lowFreq ?? 0)

    // The moved box is selected: Delete removes it, and undo brings it back.
    await page.press('Delete')
    await expect.poll(box).toBeUndefined()
    await expect.poll(() => page.page.locator('[data-box]').count()).toBe(0)
    await page.press('Control+z')
    await expect.poll(async () => (await box())?.start).toBeCloseTo(moved.start, 6)
  })
})

describe('a label the catalog refuses', () => {
  it('is never lost unseen: the view goes back to the clip and says so, and the key works again', async () => {
    expect(runEarmark(['import', projectPath, audioDir, '--labels-from', 'none']).code).toBe(0)
    const page = new LabelingPage(await browser.newPage({ viewport: { width: 1400, height: 1000 } }))
    await page.open(served.url)
    await page.openLibrary()
    await page.page.getByTestId('row-clip-07.wav').click()
    const clipId = await page.waitForClip('clip-07.wav')
    await page.clipName().click()
    const labelsOf = async () => (await page.api<ClipDetail>('clips:get', { id: clipId })).labels
    const before = await labelsOf()

    // The write fails (as a full disk would make it): the key moves on at once, then comes back.
    const refuse = (url: URL) => url.pathname === '/api/labels:assign'
    await page.page.route(refuse, (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ ok: false, error: { code: 'internal', message: 'disk full' } }),
      }),
    )
    await page.press('1')
    await page.page.getByRole('alert').filter({ hasText: 'was not saved: disk full' }).waitFor()
    await page.waitForClip('clip-07.wav')
    expect(await labelsOf()).toEqual(before)

    // Once the catalog takes writes again, the same key labels the clip, moves on, and the alarm goes.
    await page.page.unroute(refuse)
    await page.clipName().click()
    await page.press('1')
    await page.waitForClip('clip-08.wav')
    await expect.poll(labelsOf).toHaveLength(before.length + 1)
    await expect.poll(() => page.page.getByRole('alert').filter({ hasText: 'was not saved' }).count()).toBe(0)
  })
})

describe('the mel axis', () => {
  it('draws a box where its frequencies are, and the project keeps the axis for any browser', async () => {
    expect(runEarmark(['import', projectPath, audioDir, '--labels-from', 'none']).code).toBe(0)
    const page = new LabelingPage(await browser.newPage({ viewport: { width: 1400, height: 1000 } }))
    await page.open(served.url)
    await page.openLibrary()
    await page.page.getByTestId('row-clip-03.wav').click()
    const clipId = await page.waitForClip('clip-03.wav')
    // clip-03 holds a steady 1250 Hz tone: a box from 1000 to 1600 Hz around it, after the noise burst.
    await page.api('regions:create', { clipId, start: 1.6, end: 1.9, lowFreq: 1000, highFreq: 1600 })
    await page.page.locator('[data-box]').waitFor()
    await page.page.getByTestId('spectrogram-scale').selectOption('mel')
    await page.page.locator('[data-testid="spectrogram"][data-state="ready"]').waitFor()

    // The tone's brightest pixel in a column through the box, and the box's edges, in CSS pixels.
    // (Plain JavaScript: it runs in the page, which has the DOM this Node-typed file does not.)
    const measure = () =>
      page.page.evaluate(`(() => {
        const canvas = document.querySelector('.spectrogram-canvas')
        const box = document.querySelector('[data-box]')
        if (!canvas || !box) return null
        const scale = canvas.height / canvas.clientHeight
        const x = Math.round((box.offsetLeft + box.offsetWidth / 2) * (canvas.width / canvas.clientWidth))
        const column = canvas.getContext('2d').getImageData(x, 0, 1, canvas.height).data
        let brightest = 0
        let best = -1
        for (let y = 0; y < canvas.height; y++) {
          const value = column[y * 4] + column[y * 4 + 1]
          if (value > best) [best, brightest] = [value, y]
        }
        return { tone: (brightest + 0.5) / scale, top: box.offsetTop, bottom: box.offsetTop + box.offsetHeight }
      })()`) as Promise<{ tone: number; top: number; bottom: number } | null>
    // Where the mel axis puts 1000, 1250 and 1600 Hz in a 200-pixel view of 0-8000 Hz.
    const mel = (hz: number) => (hz < 1000 ? hz / (200 / 3) : 15 + Math.log(hz / 1000) / (Math.log(6.4) / 27))
    const y = (hz: number) => (1 - mel(hz) / mel(8000)) * 200
    // offsetTop and offsetHeight are whole pixels: within one of the axis's place.
    await expect.poll(async () => Math.abs(((await measure())?.top ?? 0) - y(1600))).toBeLessThan(1)
    const placed = await measure()
    expect(Math.abs((placed?.bottom ?? 0) - y(1000))).toBeLessThan(1)
    expect(Math.abs((placed?.tone ?? 0) - y(1250))).toBeLessThan(1.5)
    await page.page.getByTestId('clip-view').screenshot({ path: join(SCREENSHOTS, 'clip-view-mel-box.png') })

    // The axis is the project's: kept in the catalog, and shown so by a browser that never saw it.
    expect(await page.api<{ scale: string } | null>('spectrogram:get')).toMatchObject({ scale: 'mel' })
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    const other = new LabelingPage(await context.newPage())
    await other.open(served.url)
    await other.openLibrary()
    await other.page.getByTestId('row-clip-03.wav').click()
    await other.waitForClip('clip-03.wav')
    await expect.poll(() => other.page.getByTestId('spectrogram-scale').inputValue()).toBe('mel')
    await other.page.getByTestId('spectrogram-scale').selectOption('linear')
    await expect.poll(async () => (await other.api<{ scale: string }>('spectrogram:get')).scale).toBe('linear')
  })
})

const isBox = (r: Region) => r.lowFreq !== null
const boxOf = (detail: ClipDetail) => detail.regions.find(isBox)

/** One time-only region labelled insect and resized longer, one unlabeled box inside the band. */
function expectRegions(detail: ClipDetail, name: Map<number, string>): void {
  expect(detail.regions).toHaveLength(2)
  const region = detail.regions.find((r) => !isBox(r)) as Region
  const box = detail.regions.find(isBox) as Region
  expect(name.get(region.classId ?? -1)).toBe('insect')
  expect(region.lowFreq).toBeNull()
  expect(region.end - region.start).toBeGreaterThan(0.5)
  expect(box.classId).toBeNull()
  expect(box.start).toBeGreaterThan(region.start)
  expect(box.end).toBeGreaterThan(box.start)
  expect(box.lowFreq).toBeGreaterThan(0)
  expect(box.highFreq).toBeGreaterThan(box.lowFreq ?? 0)
  expect(box.highFreq).toBeLessThanOrEqual(RATE / 2)
}
