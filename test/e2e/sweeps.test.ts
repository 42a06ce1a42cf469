import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, stopServe } from '../helpers/cli'
import { writeFsddManifest } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { SCREENSHOTS, serveNewProject, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }
let projectPath: string

beforeAll(async () => {
  assertBuilt()
  // 300 clips of fsdd-dev (takes 0-9 of each speaker and digit), takes 0-4 test: 150 clips to sweep on.
  const dir = tempDir()
  const manifest = writeFsddManifest(dir, ({ digit, take }) =>
    take < 10 ? { label: digit, split: take < 5 ? 'test' : 'train' } : null,
  )
  const project = join(dir, 'Digits.earmark')
  projectPath = project
  ;({ served, browser } = await serveNewProject(project, 'Digits', manifest, ['--labels-from', 'csv']))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe(`sweeps in the studio`, () => {
  it(
    'builds a grid sweep in the form, watches it run, skips a trial, filters and sorts the trials, trains the best',
    { timeout: 300_000 },
    async () => {
      const studio = new StudioPage(await browser.newPage({ viewport: { width: 1400, height: 900 } }))
      await studio.open(served.url)
      const { page } = studio
      await page.getByTestId('tab-models').click()
      await page.getByTestId('models-tab-sweeps').click()
      await page.getByTestId('sweep-builder').waitFor()

      // The form offers the model's own parameters; trees (the first) is in the space already.
      await page.getByTestId('dimension-trees').waitFor()
      await page.getByTestId('sweep-strategy').selectOption('grid')
      await page.getByTestId('dimension-trees-kind').selectOption('choices')
      await page.getByTestId('dimension-trees-choices').fill('100, 0')
      await expect(page.getByTestId('error-space-trees').textContent()).resolves.toMatch(/0 is too small/)
      await expect(page.getByTestId('sweep-start').isDisabled()).resolves.toBe(true)
      await page.getByTestId('dimension-trees-choices').fill('100, 300')
      await page.getByTestId('sweep-add-parameter').selectOption('maxDepth')
      await page.getByTestId('sweep-add').click()
      await page.getByTestId('dimension-maxDepth-kind').selectOption('choices')
      await page.getByTestId('dimension-maxDepth-choices').fill('4, 8, null')
      // maxFeatures offers its names as choices to begin with.
      await page.getByTestId('sweep-add-parameter').selectOption('maxFeatures')
      await page.getByTestId('sweep-add').click()
      await expect(page.getByTestId('dimension-maxFeatures-choices').inputValue()).resolves.toBe('sqrt, log2')
      await page.getByTestId('sweep-cv').selectOption('group')
      await page.getByTestId('sweep-folds').fill('1')
      await expect(page.getByTestId('error-folds').isVisible()).resolves.toBe(true)
      await page.getByTestId('sweep-folds').fill('3')
      await page.getByTestId('sweep-trials-count').fill('12')
      await expect(page.getByTestId('error-folds').count()).resolves.toBe(0)

      // The JSON view shows the same spec.
      await page.getByTestId('sweep-edit-json').check()
      const spec = JSON.parse(await page.getByTestId('sweep-spec').inputValue()) as Record<string, unknown>
      expect(spec).toMatchObject({
        model: 'rf',
        strategy: 'grid',
        trials: 12,
        cv: { kind: 'group', folds: 3 },
        space: { trees: [100, 300], maxDepth: [4, 8, null], maxFeatures: ['sqrt', 'log2'] },
      })
      await page.getByTestId('sweep-edit-json').uncheck()
      await expect(page.getByTestId('dimension-maxDepth-choices').inputValue()).resolves.toBe('4, 8, null')

      await page.getByTestId('sweep-start').click()
      await page.getByTestId('sweep-trials').waitFor({ timeout: 60_000 })
      // The twelve grid points are queued (the last dimension fastest); the last is skipped before it runs.
      await page.getByTestId('trial-11').waitFor({ timeout: 120_000 })
      await expect(page.getByTestId('trial-11').getAttribute('data-state')).resolves.toMatch(/queued|running/)
      await page.getByTestId('cancel-trial-11').click()
      await expect
        .poll(() => page.getByTestId('trial-11').getAttribute('data-state'), { timeout: 30_000 })
        .toBe('cancelled')
      // Rows fill in as trials finish.
      for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
        await expect
          .poll(() => page.getByTestId(`trial-${n}`).getAttribute('data-state'), { timeout: 180_000 })
          .toBe('done')
      }
      await expect.poll(() => page.getByTestId('sweep-state').textContent(), { timeout: 30_000 }).toBe('done')
      await expect(page.getByTestId('trial-11').textContent()).resolves.toMatch(/cancelled by the user/)

      // Parallel coordinates: one line per finished trial; brushing the top of the score axis filters the table.
      const panel = page.getByTestId('parallel-coordinates')
      await expect(panel.locator('polyline').count()).resolves.toBe(11)
      const axis = page.getByTestId('pc-brush-accuracy')
      await axis.scrollIntoViewIfNeeded()
      const box = await axis.boundingBox()
      if (!box) throw new Error('the score axis is not on screen')
      await page.mouse.move(box.x + box.width / 2, box.y + 2)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.3, { steps: 5 })
      await page.mouse.up()
      await page.getByTestId('sweep-filtered').waitFor()
      const kept = await page.locator('[data-testid="sweep-trials"] tbody tr').count()
      expect(kept).toBeGreaterThanOrEqual(1)
      expect(kept).toBeLessThan(12)
      // The best trial is always inside a brush that reaches the top of the score axis.
      await expect(page.locator('[data-testid="sweep-trials"] tr.best').count()).resolves.toBe(1)
      await studio.screenshot('sweeps-brushed')
      await page.getByTestId('pc-clear').click()
      await expect.poll(() => page.locator('[data-testid="sweep-trials"] tbody tr').count()).toBe(12)

      // Sorted by score, best first; by trees, smallest first (missing values last either way).
      await page.getByTestId('sort-score').click()
      await expect(page.locator('[data-testid="sweep-trials"] tbody tr').first().getAttribute('class')).resolves.toBe(
        'best',
      )
      await expect(
        page.locator('[data-testid="sweep-trials"] tbody tr').last().getAttribute('data-state'),
      ).resolves.toBe('cancelled')
      await page.getByTestId('sort-param-trees').click()
      const trees = await page.locator('[data-testid="sweep-trials"] tbody tr td:nth-child(3)').allTextContents()
      expect(trees.map(Number)).toEqual([...Array<number>(6).fill(100), ...Array<number>(6).fill(300)])

      await page.getByTestId('sweep-panel').screenshot({ path: join(SCREENSHOTS, 'sweeps-panel.png') })
      await studio.screenshot('sweeps')

      // One click trains the best configuration as a normal run on all training data.
      const bestTrees = await page.locator('[data-testid="sweep-trials"] tr.best td:nth-child(3)').textContent()
      await page.getByTestId('sweep-train-best').click()
      await page.getByTestId('models-tab-runs').click()
      await page.getByTestId('run-1').waitFor({ timeout: 120_000 })
      await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/done/)
      await page.getByTestId('run-1').click()
      await expect(page.getByTestId('run-accuracy').textContent()).resolves.toMatch(/%$/)
      expect(await page.getByTestId('run-1').textContent()).toContain('rf')
      expect(bestTrees).toMatch(/^(100|300)$/)

      // The run trained the best trial's parameters (the catalog is shared with the server, read-only here).
      const db = new Database(projectPath, { readonly: true })
      try {
        const best = db
          .prepare("SELECT params FROM sweep_trials WHERE state = 'done' ORDER BY score DESC, number LIMIT 1")
          .pluck()
          .get() as string
        const run = JSON.parse(db.prepare('SELECT params FROM runs WHERE id = 1').pluck().get() as string) as object
        expect(run).toMatchObject(JSON.parse(best) as object)
        expect(String((JSON.parse(best) as { trees: number }).trees)).toBe(bestTrees)
      } finally {
        db.close()
      }
    },
  )

  it("takes lists for a parameter that is one (a CNN's filters)", { timeout: 120_000 }, async () => {
    const studio = new StudioPage(await browser.newPage({ viewport: { width: 1400, height: 900 } }))
    await studio.open(served.url)
    const { page } = studio
    await page.getByTestId('tab-models').click()
    await page.getByTestId('models-tab-sweeps').click()
    await page.getByTestId('sweep-builder').waitFor()
    await page.getByTestId('sweep-model').selectOption('cnn')
    await page.getByTestId('sweep-add-parameter').selectOption('filters')
    await page.getByTestId('sweep-add').click()
    // Lists only, starting from the default, one block fewer, and twice as wide.
    const choices = page.getByTestId('dimension-filters-choices')
    await expect(choices.inputValue()).resolves.toBe('[16, 32, 64], [16, 32], [32, 64, 128]')
    await expect(page.getByTestId('dimension-filters-kind').locator('option').allTextContents()).resolves.toEqual([
      'list of choices',
    ])
    await choices.fill('16, 32')
    await expect(page.getByTestId('error-space-filters').textContent()).resolves.toMatch(
      /16 is not allowed: a list of whole numbers in brackets/,
    )
    await expect(page.getByTestId('sweep-start').isDisabled()).resolves.toBe(true)
    await choices.fill('[8], [8, 16]')
    await expect(page.getByTestId('error-space-filters').count()).resolves.toBe(0)
    await studio.screenshot('sweeps-list-parameter')
    await page.getByTestId('sweep-edit-json').check()
    const spec = JSON.parse(await page.getByTestId('sweep-spec').inputValue()) as { space: Record<string, unknown> }
    expect(spec.space['filters']).toEqual([[8], [8, 16]])
  })
})
