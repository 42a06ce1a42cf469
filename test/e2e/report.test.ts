import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { writeFsddManifest } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { launchChromium, StudioPage } from './studio'

/** Class names a report must show as text, never run: digit 0 and 1 are renamed to these. */
const HOSTILE = '<img src=x onerror=alert(1)>'
const FORMULA = '=1+1'

let browser: Browser
let served: { url: string; child: ChildProcess }
let dir: string

beforeAll(async () => {
  assertBuilt()
  dir = tempDir()
  // 240 clips of fsdd-dev (takes 0-7 of each speaker and digit), takes 0-3 to test.
  const name = (digit: string) => (digit === '0' ? HOSTILE : digit === '1' ? FORMULA : digit)
  const manifest = writeFsddManifest(dir, ({ digit, take }) =>
    take < 8 ? { label: name(digit), split: take < 4 ? 'test' : 'train' } : null,
  )
  const project = join(dir, 'Digits.earmark')
  expect(runEarmark(['init', project, '--name', 'Digits']).code).toBe(0)
  const imported = runEarmark(['import', project, manifest, '--labels-from', 'csv'])
  expect(imported.code, imported.stderr).toBe(0)
  const trained = runEarmark(['train', project, '--model', 'rf', '--param', 'trees=40', '--seed', '1'])
  expect(trained.code, trained.stderr).toBe(0)
  served = await startServe([project])
  browser = await launchChromium()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe(`evaluation reports`, () => {
  it(
    'exports a run’s report from the studio; the HTML opens from disk and shows the matrix',
    { timeout: 120_000 },
    async () => {
      const studio = new StudioPage(await browser.newPage())
      const { page } = studio
      const dialogs: string[] = []
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
      await studio.open(served.url)
      await page.getByTestId('tab-models').click()
      await page.getByTestId('models-tab-runs').click()
      await page.getByTestId('run-1').click()
      await page.getByTestId('export-report').click()
      const out = join(dir, 'report of run 1')
      await page.getByTestId('report-folder').fill(out)
      await page.getByTestId('report-folder').press('Enter')
      const listed = page.getByTestId('report-files')
      await listed.waitFor()
      for (const file of ['metrics.json', 'metrics.csv', 'predictions.csv', 'report.html'])
        await expect(listed.textContent()).resolves.toContain(join(out, file))
      await studio.screenshot('report-export')

      // The page needs nothing but itself: every request it makes is for its own file.
      const requests: string[] = []
      page.on('request', (request) => requests.push(request.url()))
      const url = pathToFileURL(join(out, 'report.html')).href
      await page.goto(url)
      const matrix = page.getByTestId('confusion-matrix')
      await matrix.waitFor()
      expect(requests).toEqual([url])
      await expect(matrix.locator('g.cell').count()).resolves.toBe(100)
      // Each row's counts add up to the class's test clips: 3 speakers × 4 takes.
      const row = await matrix.locator(`g.cell[data-true="${FORMULA}"] text`).allTextContents()
      expect(row.map(Number).reduce((a, b) => a + b, 0)).toBe(12)
      await expect(page.getByTestId('metrics-table').locator('tbody tr').count()).resolves.toBe(10)
      await expect(page.getByTestId('metrics-table').locator('tbody th').first().textContent()).resolves.toBe(HOSTILE)
      await expect(page.locator('img').count()).resolves.toBe(0)
      expect(dialogs).toEqual([])
      const box = await matrix.boundingBox()
      expect(box?.width).toBeGreaterThan(300)
      await studio.screenshot('report-html')
    },
  )
})
