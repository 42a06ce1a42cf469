// Search by example in the studio: a project of spoken-digit clips and one long recording, a CNN
// trained on the clips as the base; the embeddings computed from the studio as a job, "Find
// similar" from a box drawn on the long recording, two results labeled from the grid with keys and
// one marked as none, then a head trained on them. Checked through the API, with screenshots at
// two sizes.
import type { ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClassInfo, ClipDetail } from '../../src/shared/domain'
import type { EmbeddingSpaceInfo, SearchAnswer } from '../../src/shared/embeddings'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { writeDigitSequence, type PlacedSpan } from '../helpers/digit-sequence'
import { FSDD_PATTERN, fsddFiles } from '../helpers/fsdd'
import { apiValueCaller } from '../helpers/http'
import { tempDir } from '../helpers/temp'
import { LabelingPage } from './labeling-page'
import { launchChromium } from './studio'

/** Digits of a speaker the base never heard, spoken in order with gaps of faint noise. */
const DIGITS = ['0_jackson_40', '1_jackson_40', '2_jackson_40', '0_jackson_41', '1_jackson_41', '2_jackson_41']

let browser: Browser
let served: { url: string; child: ChildProcess }
let call: <T>(method: string, input: unknown) => Promise<T>
let longId: number
let seconds: number
let placed: PlacedSpan[]
let runId: number

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  const recordings = join(dir, 'recordings')
  mkdirSync(recordings)
  ;({ placed, seconds } = writeDigitSequence(join(recordings, 'porch-evening.wav'), DIGITS, { seed: 11 }))
  const project = join(dir, 'Digits.earmark')
  expect(runEarmark(['init', project, '--name', 'Digits']).code).toBe(0)
  // Labeled clips of 0, 1 and 2 by george and lucas, and unlabeled takes of jackson to search among.
  const digits = join(dir, 'digits')
  const others = join(dir, 'jackson')
  mkdirSync(digits)
  mkdirSync(others)
  for (const f of fsddFiles().filter((f) => ['0', '1', '2'].includes(f.digit))) {
    if (f.speaker !== 'jackson' && f.take < 25)
      copyFileSync(f.path, join(digits, `${f.digit}_${f.speaker}_${f.take}.wav`))
    if (f.speaker === 'jackson' && f.take < 8)
      copyFileSync(f.path, join(others, `${f.digit}_${f.speaker}_${f.take}.wav`))
  }
  const labeled = runEarmark(['import', project, digits, '--labels-from', `pattern:${FSDD_PATTERN}`])
  expect(labeled.code, labeled.stderr).toBe(0)
  for (const folder of [others, recordings]) {
    const imported = runEarmark(['import', project, folder])
    expect(imported.code, imported.stderr).toBe(0)
  }
  // The base: a small CNN on the labeled clips of both speakers (a random split).
  expect(runEarmark(['split', project, '--by', 'random', '--test', '0.2']).code).toBe(0)
  const trained = runEarmark(['train', project, '--model', 'cnn', '--param', 'epochs=20', '--seed', '0', '--json'])
  expect(trained.code, trained.stderr).toBe(0)
  runId = (JSON.parse(trained.stdout.trim().split('\n').pop() ?? '{}') as { runId: number }).runId

  served = await startServe([project])
  call = apiValueCaller(served.url)
  // lucas's takes are held out to test: the head's accuracy is measured on them.
  await call('splits:set', { by: 'group', testGroups: ['lucas'] })
  const rows = await call<{ rows: { id: number; name: string }[] }>('clips:query', { limit: 1000 })
  longId = (rows.rows.find((r) => r.name.startsWith('porch-evening')) as { id: number }).id
  browser = await launchChromium()
}, 300_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

/** Waits until every result's spectrogram is drawn. */
async function allDrawn(page: Page): Promise<void> {
  await expect.poll(() => page.locator('.similar-card [data-loaded="no"]').count(), { timeout: 30_000 }).toBe(0)
}

const classes = async () => (await call<{ classes: ClassInfo[] }>('project:get', {})).classes

describe('find similar in the studio', () => {
  it(
    'computes embeddings, finds windows like a box, labels results with keys, marks one none, trains a head',
    { timeout: 240_000 },
    async () => {
      const studio = new LabelingPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }))
      const { page } = studio
      await page.goto(`${served.url}#/label/clip/${longId}`)
      await studio.waitForDrawn(longId)
      await studio.waitForSpectrogram()

      // A box around the first spoken "0", labeled 0 with its key.
      const zero = placed[0] as PlacedSpan
      const [from, to] = [zero.start / seconds, zero.end / seconds]
      await studio.dragIn(studio.boxLayer(), [from, 0.2], [to, 0.9])
      await studio.regionRows('box').first().waitFor()
      const zeroClass = (await classes()).find((c) => c.name === '0') as ClassInfo
      expect(zeroClass.hotkey).not.toBeNull()
      await page.keyboard.press(zeroClass.hotkey as string)
      await expect
        .poll(async () => (await call<ClipDetail>('clips:get', { id: longId })).regions.map((r) => r.classId))
        .toEqual([zeroClass.id])
      const box = (await call<ClipDetail>('clips:get', { id: longId })).regions[0] as ClipDetail['regions'][0]
      expect(box.lowFreq).not.toBeNull()

      // Find similar: no embeddings yet, so the view offers to compute them with the run.
      await page.getByTestId('find-similar').click()
      await page.getByTestId('similar-view').waitFor()
      expect(page.url()).toContain(`#/label/similar/${longId}/`)
      await page.getByTestId('similar-embed').waitFor()
      await expect.poll(() => page.getByTestId('similar-base').inputValue()).toBe(String(runId))
      await studio.screenshot('similar-no-embeddings-1280x800')
      await page.getByTestId('similar-compute').click()
      await page.locator('[data-testid="similar-result-0"]').waitFor({ timeout: 120_000 })
      const spaces = await call<EmbeddingSpaceInfo[]>('embeddings:spaces', {})
      expect(spaces).toHaveLength(1)
      expect(spaces[0]?.count).toBeGreaterThan(100)
      await allDrawn(page)
      await studio.screenshot('similar-results-1280x800')

      // The grid is the search the API answers for the box.
      const answer = await call<SearchAnswer>('embeddings:search', {
        clipId: longId,
        start: box.start,
        end: box.end,
        top: 40,
      })
      const card = (i: number) => page.getByTestId(`similar-result-${i}`)
      await expect(card(0).getAttribute('data-clip')).resolves.toBe(String(answer.results[0]?.clipId))
      const first = answer.results[0] as SearchAnswer['results'][0]
      const second = answer.results[1] as SearchAnswer['results'][0]
      const third = answer.results[2] as SearchAnswer['results'][0]

      // Enter labels the focused result with the query's class (0); the next is focused; the
      // query class's key labels that one too; N marks the third as none of the classes.
      await card(0).hover()
      await page.keyboard.press('Enter')
      await expect.poll(() => card(0).getAttribute('data-label')).toBe('0')
      await expect
        .poll(() => page.locator('.similar-card[data-current="true"]').getAttribute('data-testid'))
        .toBe('similar-result-1')
      await page.mouse.move(0, 0)
      await page.keyboard.press(zeroClass.hotkey as string)
      await expect.poll(() => card(1).getAttribute('data-label')).toBe('0')
      await page.keyboard.press('n')
      await expect.poll(() => card(2).getAttribute('data-label')).toBe('none')
      await studio.screenshot('similar-labeled-1280x800')

      // Through the API: a whole short clip got the clip label, a window of a long one a region.
      for (const r of [first, second]) {
        const clip = await call<ClipDetail>('clips:get', { id: r.clipId })
        if (r.start === 0 && r.end >= r.clipDuration - 1e-3) expect(clip.labels).toContain(zeroClass.id)
        else
          expect(
            clip.regions.some(
              (g) => g.classId === zeroClass.id && Math.abs(g.start - r.start) < 1e-3 && Math.abs(g.end - r.end) < 1e-3,
            ),
          ).toBe(true)
      }
      const again = await call<SearchAnswer>('embeddings:search', {
        clipId: longId,
        start: box.start,
        end: box.end,
        top: 40,
      })
      const same = (a: { clipId: number; start: number }) => (b: { clipId: number; start: number }) =>
        a.clipId === b.clipId && a.start === b.start
      expect(again.results.find(same(third))?.negative).toBe(true)

      // Hide labeled: the three marked results leave the grid.
      await page.getByTestId('similar-hide-labeled').check()
      await expect
        .poll(() => page.locator('.similar-card[data-label=""]').count())
        .toBe(await page.locator('.similar-card').count())
      await page.getByTestId('similar-hide-labeled').uncheck()

      // A head on the embeddings: its accuracy, and the windows it would have labeled next.
      await page.getByTestId('similar-train-head').click()
      await page.getByTestId('similar-head-accuracy').waitFor()
      await expect(page.getByTestId('similar-head-accuracy').textContent()).resolves.toMatch(/^\s*\d+% of 75\s*$/)
      await expect.poll(() => page.locator('[data-testid="similar-next"] li').count()).toBeGreaterThan(0)
      await page.getByTestId('similar-next-0').click()
      await expect.poll(() => page.getByTestId('similar-show-next').getAttribute('class')).toMatch(/active/)
      await allDrawn(page)
      await studio.screenshot('similar-head-1280x800')

      // Back to the clip: its box is still there.
      await page.getByTestId('similar-back').click()
      await studio.waitForDrawn(longId)
      await page.close()
    },
  )

  it('lays the clip map out by the embeddings', { timeout: 120_000 }, async () => {
    const studio = new LabelingPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }))
    const { page } = studio
    await studio.open(served.url)
    await page.getByTestId('tab-explore').click()
    await page.getByTestId('panel-map').click()
    const space = (await call<EmbeddingSpaceInfo[]>('embeddings:spaces', {}))[0] as EmbeddingSpaceInfo
    await page.getByTestId('map-layout').selectOption(String(space.id))
    await page.getByTestId('map-compute').click()
    const clipCount = (await call<{ total: number }>('clips:query', { limit: 1 })).total
    await expect.poll(() => page.getByTestId('map-point').count(), { timeout: 60_000 }).toBe(clipCount)
    await expect(page.locator('form.controls').textContent()).resolves.toMatch(/embeddings #\d+ \(64 dimensions\)/)
    await studio.screenshot('similar-map-1280x800')
    await page.close()
  })

  it('shows the results grid on a smaller window', { timeout: 60_000 }, async () => {
    const studio = new LabelingPage(await browser.newPage({ viewport: { width: 1024, height: 700 } }))
    const { page } = studio
    const box = (await call<ClipDetail>('clips:get', { id: longId })).regions[0] as ClipDetail['regions'][0]
    await page.goto(`${served.url}#/label/similar/${longId}/${box.start}-${box.end}`)
    await page.locator('[data-testid="similar-result-0"]').waitFor()
    await allDrawn(page)
    await expect(page.getByTestId('similar-view').getAttribute('data-clip')).resolves.toBe(String(longId))
    await studio.screenshot('similar-results-1024x700')
    // Back in the clip view, the box selected: "Find similar to region" in the transport bar.
    await page.getByTestId('similar-back').click()
    await studio.waitForDrawn(longId)
    await page.getByTestId(`region-${box.id}`).click()
    await expect(page.getByTestId('find-similar').textContent()).resolves.toMatch(/Find similar to region/)
    await studio.screenshot('similar-clip-view-1024x700')
    await page.getByTestId('find-similar').click()
    await page.locator('[data-testid="similar-result-0"]').waitFor()
    await page.close()
  })
})
