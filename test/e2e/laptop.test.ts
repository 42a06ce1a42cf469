import type { ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark, stopServe } from '../helpers/cli'
import { writeFsddManifest } from '../helpers/fsdd'
import type { SweepInfo } from '@shared/sweeps'
import { tempDir } from '../helpers/temp'
import { LabelingPage } from './labeling-page'
import { serveNewProject } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }
let project: string

/** What the catalog says now, read beside the running studio (WAL lets both read). */
function catalog<T>(read: (db: Database.Database) => T): T {
  const db = new Database(project, { readonly: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}
const hotkeys = () =>
  catalog((db) =>
    Object.fromEntries(
      (db.prepare('SELECT name, hotkey FROM classes').all() as { name: string; hotkey: string | null }[]).map((r) => [
        r.name,
        r.hotkey,
      ]),
    ),
  )

beforeAll(async () => {
  assertBuilt()
  // Digits 0-3 of fsdd-dev, takes 0-4 of each speaker: takes 0-2 labelled, the rest to label by hand.
  const dir = tempDir()
  const manifest = writeFsddManifest(dir, ({ digit, take }) =>
    Number(digit) < 4 && take < 5
      ? { label: take < 3 ? digit : '', split: take === 0 ? 'test' : take < 3 ? 'train' : '' }
      : null,
  )
  project = join(dir, 'Digits.earmark')
  ;({ served, browser } = await serveNewProject(project, 'Digits', manifest, ['--labels-from', 'csv']))
  const trained = runEarmark(['train', project, '--model', 'rf', '--param', 'trees=20'])
  expect(trained.code, trained.stderr).toBe(0)
  // A sweep left unnamed: the studio names it from its spec.
  const spec = join(dir, 'sweep.json')
  writeFileSync(spec, JSON.stringify({ model: 'rf', strategy: 'grid', space: { trees: [5, 10] }, cv: { folds: 2 } }))
  const swept = runEarmark(['sweep', project, '--spec', spec])
  expect(swept.code, swept.stderr).toBe(0)
}, 180_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

type Box = { x: number; y: number; width: number; height: number }

async function box(locator: Locator): Promise<Box> {
  const found = await locator.boundingBox()
  if (!found) throw new Error(`${locator.toString()} is not shown`)
  return found
}

const intersects = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

/** How far the page is wider than the window: a laptop screen should never scroll sideways. */
const sidewaysOverflow = (page: Page) =>
  page.locator('html').evaluate((html) => {
    const { scrollWidth, clientWidth } = html as unknown as { scrollWidth: number; clientWidth: number }
    return scrollWidth - clientWidth
  })

/** Rendered text with a space before a comma or semicolon, or a count of one with a plural noun. */
async function badText(page: Page): Promise<string[]> {
  const text = await page.locator('main').innerText()
  return [...text.matchAll(/\S+ [,;]|(?<![\d.])1 (?:clips|files|classes|rows|trials|groups|labels)\b/g)].map(
    (m) => m[0],
  )
}

describe('the studio on a laptop screen', () => {
  for (const [width, height] of [
    [1024, 700],
    [1280, 800],
  ] as const) {
    it(`lays out Label, Explore and Features without collapse or overlap at ${width}×${height}`, async () => {
      const studio = new LabelingPage(await browser.newPage({ viewport: { width, height } }))
      await studio.open(served.url)
      const { page } = studio

      await studio.openLibrary()
      const name = page.locator('.list-row .col-name').first()
      // Attached, not visible: a column squeezed to nothing should fail on its width below.
      await name.waitFor({ state: 'attached' })
      // The clip list's name column shows a file name's start, its header fits above it, and the
      // list stays left of the clip view instead of spilling under its title.
      expect((await box(name)).width).toBeGreaterThan(100)
      expect((await box(page.getByTestId('sort-name'))).width).toBeGreaterThan(100)
      const list = await box(page.locator('.clip-list'))
      const view = await box(page.getByTestId('clip-view'))
      expect(list.x + list.width).toBeLessThanOrEqual(view.x)
      const title = await box(page.getByTestId('clip-name'))
      for (const column of ['name', 'duration', 'label', 'group', 'split', 'status']) {
        const header = await box(page.getByTestId(`sort-${column}`))
        expect(intersects(header, title), `the ${column} header overlaps the clip title`).toBe(false)
        expect(header.x + header.width, `the ${column} header leaves the list`).toBeLessThanOrEqual(list.x + list.width)
      }
      // The waveform is as wide as the clip view allows, and the page does not scroll sideways.
      expect((await box(studio.waveform())).width).toBeGreaterThan(400)
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0)
      expect(await badText(page)).toEqual([])
      // The labeling screen fits the window: the list and the clip view scroll, the page does not.
      const downwardOverflow = await page.locator('html').evaluate((html) => {
        const { scrollHeight, clientHeight } = html as unknown as { scrollHeight: number; clientHeight: number }
        return scrollHeight - clientHeight
      })
      expect(downwardOverflow).toBeLessThanOrEqual(0)
      // The transport and the class keys are in view under the spectrogram, not scrolled away.
      const palette = await box(page.getByTestId('palette'))
      expect(palette.y + palette.height).toBeLessThanOrEqual(view.y + view.height)
      // The hover readout over a 0.30 s clip tells its moments apart (not "0:00" everywhere).
      const wave = await box(studio.waveform())
      await page.mouse.move(wave.x + wave.width * 0.5, wave.y + 40)
      await expect.poll(() => page.locator('[part="hover-label"]').textContent()).toMatch(/^0\.1[3-7]\d s$/)
      // And its time axis counts tenths of a second, not whole seconds (which showed "0" alone).
      const labels = await page.locator('[part~="timeline-notch-primary"]').allTextContents()
      expect(labels).toEqual(['0', '0.1', '0.2', '0.3'].slice(0, labels.length))
      expect(labels.length).toBeGreaterThanOrEqual(3)
      // So does the spectrogram's, with the frequency under the pointer.
      await studio.waitForSpectrogram()
      const picture = await box(studio.boxLayer())
      await page.mouse.move(picture.x + picture.width * 0.25, picture.y + picture.height * 0.5)
      await expect
        .poll(() => page.getByTestId('spectrogram-hover').textContent())
        .toMatch(/^0\.0[6-9]\d s · (\d+ Hz|\d\.\d\d kHz)$/)
      await studio.screenshot(`laptop-label-${width}`)
      // A row of the list is reached and opened from the keyboard.
      await page.getByTestId('row-0_george_2.wav').focus()
      await page.keyboard.press('Enter')
      await studio.waitForClip('0_george_2.wav')

      await page.getByTestId('tab-explore').click()
      await page.getByTestId('predict-unlabeled').click()
      await expect.poll(() => page.getByTestId('unlabeled-clip').count(), { timeout: 60_000 }).toBe(24)
      const row = await box(page.getByTestId('unlabeled-clip').first())
      expect(row.x + row.width).toBeLessThanOrEqual(width)
      const accept = await box(page.getByTestId('unlabeled-clip').first().getByRole('button', { name: 'Open' }))
      expect(accept.x + accept.width).toBeLessThanOrEqual(width)
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0)
      expect(await badText(page)).toEqual([])
      await studio.screenshot(`laptop-explore-${width}`)

      await page.getByTestId('panel-map').click()
      await page.getByTestId('map-compute').click()
      const map = page.getByRole('img', { name: /clips mapped by/ })
      await map.waitFor({ timeout: 60_000 })
      const drawn = await box(map)
      expect(drawn.x + drawn.width).toBeLessThanOrEqual(width)
      expect(drawn.width).toBeGreaterThan(300)
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0)
      expect(await badText(page)).toEqual([])
      await studio.screenshot(`laptop-map-${width}`)

      await page.getByTestId('tab-features').click()
      await page.getByTestId('features').waitFor()
      const form = await box(page.getByTestId('config-sampleRate'))
      expect(form.width).toBeGreaterThan(60)
      // A set is called by its name, not by its parameters' hash.
      await page.locator('.sets .set').first().waitFor()
      const sets = (await page.locator('.sets .set').allTextContents()).map((t) => t.trim())
      for (const set of sets) expect(set).not.toMatch(/[0-9a-f]{6}/)
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0)
      expect(await badText(page)).toEqual([])
      await studio.screenshot(`laptop-features-${width}`)

      for (const tab of ['project', 'import', 'models']) {
        await page.getByTestId(`tab-${tab}`).click()
        expect(await sidewaysOverflow(page), `the ${tab} view scrolls sideways`).toBeLessThanOrEqual(0)
        expect(await badText(page)).toEqual([])
        await studio.screenshot(`laptop-${tab}-${width}`)
      }
      await page.close()
    })
  }
})

describe('class keys', () => {
  it('puts a one-character class on its own key, and offers to swap a key another class holds', async () => {
    // The manifest's digits became classes with their own keys: class "3" is on key 3.
    expect(hotkeys()).toEqual({ '0': '0', '1': '1', '2': '2', '3': '3' })
    const studio = new LabelingPage(await browser.newPage({ viewport: { width: 1024, height: 700 } }))
    await studio.open(served.url)
    const { page } = studio

    const key = page.getByLabel('Key for 0')
    await key.fill('1')
    await key.dispatchEvent('change')
    const offer = page.getByTestId('confirm-swap')
    await expect(offer.textContent()).resolves.toMatch(/Key 1 already labels “1”\.\s+Swap: “1” takes 0\?/)
    await studio.screenshot('class-keys-offer')
    // Cancelling leaves both keys where they were.
    await offer.getByRole('button', { name: 'Cancel' }).click()
    await expect(key.inputValue()).resolves.toBe('0')
    expect(hotkeys()).toMatchObject({ '0': '0', '1': '1' })

    await key.fill('1')
    await key.dispatchEvent('change')
    await page.getByTestId('swap-keys').click()
    await expect.poll(hotkeys).toMatchObject({ '0': '1', '1': '0' })
    // The field shows the swapped key once the class list has reloaded.
    await expect.poll(() => page.getByLabel('Key for 1').inputValue()).toBe('0')
    await studio.screenshot('class-keys-swapped')
    await page.close()
  })
})

describe('a sweep in the studio', () => {
  it('is named from its spec, and its charts wait for a finished trial instead of drawing Infinity', async () => {
    const studio = new LabelingPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }))
    await studio.open(served.url)
    const { page } = studio
    // The sweep as it was before its first trial finished: every trial queued, no score yet.
    await page.route('**/api/sweeps:get', async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as { ok: boolean; value: SweepInfo }
      const trials = body.value.trials.map((t) => ({ ...t, state: 'queued' as const, score: null, std: null }))
      await route.fulfill({
        response,
        json: { ...body, value: { ...body.value, state: 'running', trials, best: null } },
      })
    })
    await page.getByTestId('tab-models').click()
    await page.getByTestId('models-tab-sweeps').click()
    await page.getByTestId('sweep-list').locator('summary').click()
    const row = page.getByTestId('sweep-1')
    await expect(row.textContent()).resolves.toContain('rf · grid · 2 trials')
    // The name says the model and strategy: the row does not say them twice.
    await expect(row.textContent()).resolves.not.toContain('rf, grid')
    await row.getByRole('button', { name: 'Open' }).click()
    await page.getByTestId('pc-empty').waitFor()
    await expect(page.getByTestId('score-chart-empty').count()).resolves.toBe(1)
    await expect(page.getByTestId('sweep-panel').textContent()).resolves.not.toMatch(/Infinity/)
    await studio.screenshot('sweep-before-first-trial')
    await page.close()
  })
})

describe('the page', () => {
  it('has an icon of its own, served beside the studio', async () => {
    const studio = new LabelingPage(await browser.newPage({ viewport: { width: 128, height: 128 } }))
    await studio.open(served.url)
    const { page } = studio
    const href = await page.locator('link[rel="icon"]').evaluate((link) => (link as unknown as { href: string }).href)
    const icon = await page.evaluate(async (url) => {
      const response = await fetch(url)
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() }
    }, href)
    expect(icon.status).toBe(200)
    expect(icon.type).toMatch(/^image\/svg\+xml/)
    expect(icon.body).toMatch(/^<svg /)
    // The icon alone on the page, to look at.
    await page.locator('body').evaluate((body, url) => {
      ;(body as unknown as { innerHTML: string }).innerHTML = `<img src="${url}" width="96" height="96" alt="">`
    }, href)
    await page.locator('img').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode())
    await studio.screenshot('favicon')
    await page.close()
  })
})
