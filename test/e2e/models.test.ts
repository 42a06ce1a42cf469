import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, stopServe } from '../helpers/cli'
import { writeFsddManifest } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { serveNewProject, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }
let project: string

/** A query on the catalog beside the running studio (WAL lets both read). */
function catalog<T>(read: (db: Database.Database) => T): T {
  const db = new Database(project, { readonly: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  assertBuilt()
  // 300 clips of fsdd-dev (takes 0-9 of each speaker and digit), with its convention: takes 0-4 test.
  const dir = tempDir()
  const manifest = writeFsddManifest(dir, ({ digit, take }) =>
    take < 10 ? { label: digit, split: take < 5 ? 'test' : 'train' } : null,
  )
  project = join(dir, 'Digits.earmark')
  ;({ served, browser } = await serveNewProject(project, 'Digits', manifest, ['--labels-from', 'csv']))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe(`models in the studio`, () => {
  it(
    'trains a forest, opens a confusion cell and its clips, runs a sweep and trains its best',
    { timeout: 300_000 },
    async () => {
      const studio = new StudioPage(await browser.newPage())
      await studio.open(served.url)
      const { page } = studio
      await page.getByTestId('tab-models').click()
      await page.getByTestId('train-start').click()
      await page.getByTestId('models-tab-runs').click()
      await page.getByTestId('run-1').waitFor({ timeout: 120_000 })
      await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/done/)
      await page.getByTestId('run-1').click()
      await page.getByTestId('confusion-matrix').waitFor()
      const accuracy = Number((await page.getByTestId('run-accuracy').textContent())?.replace('%', ''))
      expect(accuracy).toBeGreaterThan(80)

      // The diagonal cell of digit 3: the clips behind it, walked by keyboard.
      const count = Number(await page.getByTestId('cell-3-3').textContent())
      expect(count).toBeGreaterThan(0)
      await page.getByTestId('cell-3-3').click()
      await expect.poll(() => page.getByTestId('cell-clip').count()).toBe(count)
      await expect(page.getByTestId('cell-clip').first().textContent()).resolves.toMatch(
        /^.*3_\w+_\d\.wav.*true 3.*predicted 3/s,
      )
      await page.keyboard.press('ArrowDown')
      await expect(page.getByTestId('cell-clip').nth(1).getAttribute('class')).resolves.toContain('active')
      await studio.screenshot('models-confusion')
      // The features the forest leans on, by name.
      await expect(page.getByTestId('importance-chart').textContent()).resolves.toMatch(/mfcc_\d+_(mean|std|min|max)/)

      // A mistake: an off-diagonal cell, one of its clips played, then relabelled with the class the
      // model heard, by that class's hotkey. The change is recorded and the run is marked as
      // trained on outdated labels.
      const errors = await page.locator('button[data-testid^="cell-"]').evaluateAll((cells) =>
        cells
          .map((c) => ({ m: /^cell-(\d)-(\d)$/.exec(c.getAttribute('data-testid') ?? ''), n: Number(c.textContent) }))
          .filter((c) => c.m !== null && c.m[1] !== c.m[2] && c.n > 0)
          .map((c) => ({ true: c.m![1]!, predicted: c.m![2]!, n: c.n })),
      )
      expect(errors.length).toBeGreaterThan(0)
      const mistake = errors[0]!
      await page.getByTestId(`cell-${mistake.true}-${mistake.predicted}`).click()
      await expect.poll(() => page.getByTestId('cell-clip').count()).toBe(mistake.n)
      const clip = page.getByTestId('cell-clip').first()
      const played = page.waitForResponse((r) => r.url().includes('/media/clip/') && r.ok())
      await clip.getByRole('button', { name: /^Play / }).click()
      await played
      const clipName = /(\d_[a-z]+_\d+\.wav)/.exec((await clip.textContent()) ?? '')![1]!
      const hotkey = catalog(
        (db) => db.prepare('SELECT hotkey FROM classes WHERE name = ?').pluck().get(mistake.predicted) as string,
      )
      await page.keyboard.press(hotkey)
      await expect.poll(() => clip.textContent()).toMatch(new RegExp(`relabelled ${mistake.predicted}`))
      await expect.poll(() => page.getByTestId('run-1').textContent()).toMatch(/1 labels changed since/)
      const recorded = catalog(
        (db) =>
          db
            .prepare(
              `SELECT k.name AS label, (SELECT COUNT(*) FROM edits e WHERE e.clip_id = c.id) AS edits
               FROM clips c JOIN clip_labels l ON l.clip_id = c.id JOIN classes k ON k.id = l.class_id
               WHERE c.path LIKE ?`,
            )
            .get(`%${clipName}`) as { label: string; edits: number },
      )
      expect(recorded).toEqual({ label: mistake.predicted, edits: 1 })
      await studio.screenshot('models-relabel')

      // A two-trial grid sweep, written as JSON: rows fill in, then the best trains as a normal run.
      await page.getByTestId('models-tab-sweeps').click()
      await page.getByTestId('sweep-edit-json').check()
      await page.getByTestId('sweep-spec').fill(
        JSON.stringify({
          model: 'rf',
          strategy: 'grid',
          cv: { kind: 'stratified', folds: 3 },
          space: { trees: [10, 40] },
        }),
      )
      await page.getByTestId('sweep-start').click()
      await page.getByTestId('sweep-trials').waitFor()
      for (const n of [0, 1]) {
        await expect
          .poll(() => page.getByTestId(`trial-${n}`).getAttribute('data-state'), { timeout: 120_000 })
          .toBe('done')
      }
      // Score against the swept parameter: one dot per finished trial.
      await expect(page.getByTestId('score-by-trees').locator('circle').count()).resolves.toBe(2)
      await page.getByTestId('sweep-train-best').click()
      await page.getByTestId('models-tab-runs').click()
      await page.getByTestId('run-2').waitFor({ timeout: 120_000 })
      await expect.poll(() => page.getByTestId('run-2').textContent(), { timeout: 120_000 }).toMatch(/done/)
      await studio.screenshot('models-sweep')

      // Side by side: per-class F1 changes and the parameters that differ.
      await page.getByTestId('models-tab-compare').click()
      await page.getByTestId('compare-1').check()
      await page.getByTestId('compare-2').check()
      await page.getByTestId('run-compare').waitFor()
      await expect(page.getByTestId('run-compare').textContent()).resolves.toMatch(/trees: 100 → (10|40)/)
    },
  )
})
