import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, stopServe } from '../helpers/cli'
import { writeFsddManifest } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { serveNewProject, StudioPage } from './studio'

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
const labelOf = (clipId: number) =>
  catalog(
    (db) =>
      db
        .prepare('SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id WHERE l.clip_id = ?')
        .pluck()
        .all(clipId) as string[],
  )
const hotkeyOf = (name: string) =>
  catalog((db) => db.prepare('SELECT hotkey FROM classes WHERE name = ?').pluck().get(name) as string)
const clipIdOf = async (page: Page, nth: number) =>
  Number(await page.getByTestId('unlabeled-clip').nth(nth).getAttribute('data-clip-id'))

beforeAll(async () => {
  assertBuilt()
  // Digits 0-4 of fsdd-dev, takes 0-5 of each speaker: takes 0-3 labelled (take 0 to test), takes
  // 4 and 5 imported without a label, for the model to guess.
  const dir = tempDir()
  const manifest = writeFsddManifest(dir, ({ digit, take }) =>
    Number(digit) < 5 && take < 6
      ? { label: take < 4 ? digit : '', split: take === 0 ? 'test' : take < 4 ? 'train' : '' }
      : null,
  )
  project = join(dir, 'Digits.earmark')
  ;({ served, browser } = await serveNewProject(project, 'Digits', manifest, ['--labels-from', 'csv']))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe(`exploring in the studio`, () => {
  it(
    'predicts unlabeled clips, labels them from the keyboard, and labels a lasso on the feature map',
    { timeout: 300_000 },
    async () => {
      const studio = new StudioPage(await browser.newPage())
      await studio.page.setViewportSize({ width: 1280, height: 900 })
      await studio.open(served.url)
      const { page } = studio
      await page.getByTestId('tab-models').click()
      await page.getByTestId('train-start').click()
      await page.getByTestId('models-tab-runs').click()
      await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/done/)

      // Active learning: the run predicts the 30 unlabeled clips, least margin first.
      await page.getByTestId('tab-explore').click()
      await page.getByTestId('predict-unlabeled').click()
      await expect.poll(() => page.getByTestId('unlabeled-clip').count(), { timeout: 120_000 }).toBe(30)
      await expect(page.getByTestId('unlabeled-total').textContent()).resolves.toMatch(/^\s*30 unlabeled/)
      const margins = await page
        .getByTestId('unlabeled-clip')
        .evaluateAll((rows) => rows.map((r) => Number(/margin (\d\.\d\d)/.exec(r.textContent ?? '')?.[1])))
      expect(margins).toEqual([...margins].sort((a, b) => a - b))

      // Enter accepts the prediction: the label is in the catalog and the clip leaves the list.
      const first = await clipIdOf(page, 0)
      const predicted = /Accept (\d)/.exec((await page.getByTestId(`accept-${first}`).textContent()) ?? '')?.[1]
      expect(predicted).toMatch(/^\d$/)
      await page.keyboard.press('Enter')
      await expect.poll(() => page.getByTestId('unlabeled-clip').count()).toBe(29)
      expect(labelOf(first)).toEqual([predicted])
      expect(await clipIdOf(page, 0)).not.toBe(first)
      await studio.screenshot('explore-unlabeled')
      // It is a label like any other: undo brings the clip back.
      await page.keyboard.press('Control+z')
      await expect.poll(() => page.getByTestId('unlabeled-clip').count()).toBe(30)
      expect(labelOf(first)).toEqual([])

      // A class's own hotkey gives another class than the predicted one.
      const target = await clipIdOf(page, 0)
      const guess = /Accept (\d)/.exec((await page.getByTestId(`accept-${target}`).textContent()) ?? '')?.[1]
      const other = guess === '4' ? '3' : '4'
      await page.keyboard.press(hotkeyOf(other))
      await expect.poll(() => labelOf(target)).toEqual([other])
      await expect.poll(() => page.getByTestId('unlabeled-clip').count()).toBe(29)

      // The map: every clip a point, coloured by label.
      await page.getByTestId('panel-map').click()
      await page.getByTestId('map-compute').click()
      await expect.poll(() => page.getByTestId('map-point').count(), { timeout: 120_000 }).toBe(90)
      await expect(page.getByTestId('map-legend').textContent()).resolves.toMatch(/unlabeled\s*29/)

      // A lasso around an unlabeled point and its neighbours, then a class key labels them all.
      const unlabeled = catalog(
        (db) =>
          db
            .prepare('SELECT id FROM clips c WHERE NOT EXISTS (SELECT 1 FROM clip_labels l WHERE l.clip_id = c.id)')
            .pluck()
            .all() as number[],
      )
      const box = (await page.locator(`[data-testid="map-point"][data-clip-id="${unlabeled[0]}"]`).boundingBox())!
      // A square of 80 px around it, kept inside the map (a point may sit at its edge).
      const area = (await page.getByTestId('clip-map').boundingBox())!
      const clampX = (x: number) => Math.min(area.x + area.width - 2, Math.max(area.x + 2, x))
      const clampY = (y: number) => Math.min(area.y + area.height - 2, Math.max(area.y + 2, y))
      const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2]
      const [left, right, top, bottom] = [clampX(cx - 40), clampX(cx + 40), clampY(cy - 40), clampY(cy + 40)]
      await page.mouse.move(left, top)
      await page.mouse.down()
      for (const [x, y] of [
        [right, top],
        [right, bottom],
        [left, bottom],
        [left, top + 1],
      ] as const)
        await page.mouse.move(x, y, { steps: 8 })
      await page.mouse.up()
      const selected = await page
        .locator('[data-testid="map-point"].selected')
        .evaluateAll((points) => points.map((p) => Number(p.getAttribute('data-clip-id'))))
      expect(selected).toContain(unlabeled[0])
      await expect(page.getByTestId('map-selected').textContent()).resolves.toMatch(
        new RegExp(`^\\s*${selected.length} clips selected`),
      )
      await studio.screenshot('explore-map-lasso')
      await page.keyboard.press(hotkeyOf('2'))
      await expect
        .poll(() => selected.map((id) => labelOf(id).join()), { timeout: 20_000 })
        .toEqual(selected.map(() => '2'))
      // The lassoed clips that had no label are gone from the unlabeled list.
      await page.getByTestId('panel-queue').click()
      const stillUnlabeled = unlabeled.filter((id) => !selected.includes(id)).length
      await expect.poll(() => page.getByTestId('unlabeled-clip').count()).toBe(stillUnlabeled)

      // Back on the map: hovering a point plays its clip, clicking opens it in the clip view.
      await page.getByTestId('panel-map').click()
      const point = page.locator(`[data-testid="map-point"][data-clip-id="${unlabeled[0]}"]`)
      const played = page.waitForResponse((r) => r.url().includes(`/media/clip/${unlabeled[0]}`) && r.ok())
      await point.hover()
      await played
      const path = catalog(
        (db) => db.prepare('SELECT path FROM clips WHERE id = ?').pluck().get(unlabeled[0]) as string,
      )
      await point.click()
      await page
        .locator('[data-testid="clip-name"]', {
          hasText: path
            .split('/')
            .pop()!
            .replace(/\.wav$/, ''),
        })
        .waitFor()
    },
  )
})
