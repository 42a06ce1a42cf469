// Detections in the studio: a long recording of spoken digits with a run's detections drawn on its
// waveform and spectrogram and listed beside it, then the review queue worked with keys (accept,
// reject, a class key to relabel, Ctrl+Z), checked through the API, with screenshots at two sizes.
import type { ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReviewPage } from '../../src/shared/detection'
import type { ClipDetail } from '../../src/shared/domain'
import { addClass } from '../../src/main/core/catalog/classes'
import { openCatalog } from '../../src/main/core/catalog/open'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { writeDigitSequence, type PlacedSpan } from '../helpers/digit-sequence'
import { insertDetectionRun, insertDetections } from '../helpers/detections'
import { FSDD_PATTERN, fsddFiles } from '../helpers/fsdd'
import { apiValueCaller } from '../helpers/http'
import { tempDir } from '../helpers/temp'
import { launchChromium, SCREENSHOTS, StudioPage } from './studio'

/** The digits spoken in the long recording, in order, with gaps of faint noise between them. */
const DIGITS = ['0_george_0', '1_george_0', '2_george_0', '0_george_1', '1_george_1', '2_george_1', '0_george_2']

let browser: Browser
let served: { url: string; child: ChildProcess }
let call: (method: string, input: unknown) => Promise<unknown>
let clipId: number
let placed: PlacedSpan[]
/** The main run's detections in the order the queue gives them (highest score first). */
let queueOrder: { id: number; label: string; start: number; end: number }[]
/** A run trained for real (a CNN on labeled digit clips), to detect with from the studio. */
let trainedRun: number

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  const audio = join(dir, 'recordings')
  mkdirSync(audio)
  ;({ placed } = writeDigitSequence(join(audio, 'pond-morning.wav'), DIGITS, { seed: 7 }))
  const project = join(dir, 'Digits.earmark')
  expect(runEarmark(['init', project, '--name', 'Digits']).code).toBe(0)
  const imported = runEarmark(['import', project, audio])
  expect(imported.code, imported.stderr).toBe(0)

  // A run's detections, stored as a detection job stores them: every digit found (the first "2"
  // taken for a "1"), and one false detection in a gap. A second, later run found two digits.
  const catalog = openCatalog(project)
  const db = catalog.db
  for (const name of ['0', '1', '2']) addClass(db, { name })
  clipId = db.prepare('SELECT id FROM clips').pluck().get() as number
  const main = insertDetectionRun(db, ['0', '1', '2'], { done: true })
  const later = insertDetectionRun(db, ['0', '1', '2'], { done: true })
  const scores = [0.95, 0.8, 0.85, 0.7, 0.6, 0.5, 0.4]
  const rows = placed.map((p, i) => ({ ...p, label: i === 2 ? '1' : p.label, score: scores[i] as number }))
  const falseOne = {
    label: '0',
    start: (placed[3] as PlacedSpan).end + 0.2,
    end: (placed[3] as PlacedSpan).end + 0.6,
    score: 0.9,
  }
  rows.push(falseOne)
  const now = new Date()
  const ids = insertDetections(
    db,
    main,
    rows.map((r) => ({ ...r, clipId })),
    now,
  )
  insertDetections(
    db,
    later,
    placed.slice(0, 2).map((p) => ({ ...p, clipId, score: 0.99 })),
    now,
  )
  queueOrder = rows
    .map((r, i) => ({ id: ids[i] as number, label: r.label, start: r.start, end: r.end, score: r.score }))
    .sort((a, b) => b.score - a.score)
  catalog.close()

  // Labeled clips of 0, 1 and 2 (the first 30 takes of each speaker), and a small CNN trained on
  // them: a model of fixed-length inputs, whose length is the window it detects with.
  const digits = join(dir, 'digits')
  mkdirSync(digits)
  for (const f of fsddFiles().filter((f) => ['0', '1', '2'].includes(f.digit) && f.take < 30)) {
    copyFileSync(f.path, join(digits, `${f.digit}_${f.speaker}_${f.take}.wav`))
  }
  const labeled = runEarmark(['import', project, digits, '--labels-from', `pattern:${FSDD_PATTERN}`])
  expect(labeled.code, labeled.stderr).toBe(0)
  const trained = runEarmark(['train', project, '--model', 'cnn', '--param', 'epochs=15', '--seed', '0', '--json'])
  expect(trained.code, trained.stderr).toBe(0)
  trainedRun = (JSON.parse(trained.stdout.trim().split('\n').pop() ?? '{}') as { runId: number }).runId

  served = await startServe([project])
  call = apiValueCaller(served.url)
  browser = await launchChromium()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

const regionsOf = async () => ((await call('clips:get', { id: clipId })) as ClipDetail).regions
const reviewOf = async (id: number) =>
  ((await call('detections:queue', { runId: 1, limit: 1000 })) as ReviewPage).items.find((d) => d.id === id)?.review

describe('detections in the studio', () => {
  it('draws a run’s detections on the waveform and spectrogram, lists them, and picks the run', async () => {
    for (const [width, height] of [
      [1280, 800],
      [1024, 700],
    ] as const) {
      const studio = new StudioPage(await browser.newPage({ viewport: { width, height } }))
      const { page } = studio
      await page.goto(`${served.url}#/label/clip/${clipId}`)
      await page.locator(`[data-drawn-clip="${clipId}"]`).waitFor()
      await page.locator('[data-testid="spectrogram"][data-state="ready"]').waitFor()
      // The later run shows first: two detections, and a picker of the two runs.
      const list = page.getByTestId('detection-list')
      await expect.poll(() => list.locator('tbody tr').count()).toBe(2)
      await page.getByTestId('detection-run').selectOption('1')
      await expect.poll(() => list.locator('tbody tr').count()).toBe(placed.length + 1)
      await expect.poll(() => page.locator('[data-testid="waveform"] .detection-mark').count()).toBe(placed.length + 1)
      // The spectrogram shows the visible window's detections: all of them, the clip being shown whole.
      await expect.poll(() => page.locator('[data-testid="box-layer"] .detection-span').count()).toBe(placed.length + 1)
      const first = page.locator('[data-testid="box-layer"] .detection-span').first()
      await expect(first.textContent()).resolves.toMatch(/^0 95%/)
      await studio.screenshot(`review-clip-${width}x${height}`)
      // The list beside the clip: span, class, score and review of each.
      await list.scrollIntoViewIfNeeded()
      await expect(list.locator('tbody tr').first().textContent()).resolves.toMatch(
        /0\.80–1\.10\s*0\s*95%\s*unreviewed/,
      )
      await page.screenshot({ path: join(SCREENSHOTS, `review-clip-list-${width}x${height}.png`) })
      await page.close()
    }
  })

  it('reviews with keys: accept, reject, relabel with a class key, undo', { timeout: 120_000 }, async () => {
    const studio = new StudioPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }))
    const { page } = studio
    await studio.open(served.url)
    await page.getByTestId('tab-models').click()
    await page.getByTestId('models-tab-runs').click()
    await page.getByTestId('run-1').click()
    await expect.poll(() => page.getByTestId('detect-counts').textContent()).toMatch(/8 detections stored, 0 reviewed/)
    await page.getByTestId('review-open').click()
    await page.getByTestId('review-view').waitFor()
    expect(page.url()).toMatch(/#\/models\/runs\/1\/review$/)
    await page.locator('[data-testid="review-snippet"][data-loaded="yes"]').waitFor()
    await studio.screenshot('review-queue-start-1280x800')

    const [a, b, c, d] = queueOrder as [
      (typeof queueOrder)[0],
      (typeof queueOrder)[0],
      (typeof queueOrder)[0],
      (typeof queueOrder)[0],
    ]
    const current = page.getByTestId('review-current')
    const item = (id: number) => page.getByTestId(`review-item-${id}`)
    await expect(current.getAttribute('data-id')).resolves.toBe(String(a.id))

    // A accepts: a labeled region of the detection's class over its span, and the next comes up.
    await page.keyboard.press('a')
    await expect.poll(() => item(a.id).getAttribute('data-review')).toBe('accepted')
    await expect.poll(() => current.getAttribute('data-id')).toBe(String(b.id))
    expect((await regionsOf()).map((r) => [r.start, r.end])).toEqual([[a.start, a.end]])

    // R rejects: no region.
    await page.keyboard.press('r')
    await expect.poll(() => item(b.id).getAttribute('data-review')).toBe('rejected')
    expect(await reviewOf(b.id)).toBe('rejected')
    expect(await regionsOf()).toHaveLength(1)

    // The "2" taken for a "1": key 2 relabels it, a region of class 2.
    expect(c.label).toBe('1')
    await expect.poll(() => current.getAttribute('data-id')).toBe(String(c.id))
    await page.keyboard.press('2')
    await expect.poll(() => item(c.id).getAttribute('data-review')).toBe('relabeled')
    const classes = (await call('project:get', {})) as { classes: { id: number; name: string }[] }
    const two = classes.classes.find((k) => k.name === '2')?.id
    await expect.poll(async () => (await regionsOf()).map((r) => r.classId)).toContain(two)
    expect(await regionsOf()).toHaveLength(2)
    await expect.poll(() => current.getAttribute('data-id')).toBe(String(d.id))
    await page.locator('[data-testid="review-snippet"][data-loaded="yes"]').waitFor()
    await studio.screenshot('review-queue-reviewed-1280x800')

    // Ctrl+Z undoes the relabel: its region goes, and the detection is up for review again.
    await page.keyboard.press('Control+z')
    await expect.poll(() => item(c.id).getAttribute('data-review')).toBe('')
    await expect.poll(() => current.getAttribute('data-id')).toBe(String(c.id))
    expect(await reviewOf(c.id)).toBeNull()
    expect((await regionsOf()).map((r) => [r.start, r.end])).toEqual([[a.start, a.end]])
    await expect(page.getByTestId('review-progress').textContent()).resolves.toBe('2 of 8 reviewed')

    // Arriving at a detection plays it with a second of context either side, from the clip's
    // audio, and stops at the end of the context; Space plays it again.
    const audio = page.locator('[data-testid="review-view"] audio')
    const state = () =>
      audio.evaluate((element) => {
        // The page's audio element, read with the types this (Node) side knows.
        const a = element as unknown as { paused: boolean; currentTime: number; src: string }
        return { paused: a.paused, at: a.currentTime, src: a.src }
      })
    await expect.poll(async () => (await state()).src).toMatch(new RegExp(`/media/clip/${clipId}$`))
    await expect.poll(async () => (await state()).paused && (await state()).at > c.end, { timeout: 15_000 }).toBe(true)
    expect((await state()).at).toBeLessThan(c.end + 1.3)
    await page.keyboard.press(' ')
    await page.locator('[data-testid="review-snippet"] .playhead').waitFor()
    const heard = (await state()).at
    expect(heard).toBeGreaterThanOrEqual(c.start - 1 - 1e-3)
    expect(heard).toBeLessThanOrEqual(c.end + 1 + 1e-3)

    // Arrows move; Enter accepts and X rejects as A and R do.
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => current.getAttribute('data-id')).toBe(String(d.id))
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => current.getAttribute('data-id')).toBe(String(c.id))
    await page.keyboard.press('Enter')
    await expect.poll(() => item(c.id).getAttribute('data-review')).toBe('accepted')
    await page.keyboard.press('x')
    await expect.poll(() => item(d.id).getAttribute('data-review')).toBe('rejected')
    await expect(page.getByTestId('review-progress').textContent()).resolves.toBe('4 of 8 reviewed')
    expect(await regionsOf()).toHaveLength(2)

    // Ordered for threshold setting: an even sample across score bins, per class.
    await page.getByTestId('review-order').selectOption('bins')
    await expect.poll(() => page.locator('[data-testid="review-queue"] tbody tr').count()).toBe(8)
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.locator('[data-testid="review-snippet"][data-loaded="yes"]').waitFor()
    await studio.screenshot('review-queue-bins-1024x700')

    // The queue has its own address: a reload comes back to it, and Back returns to the run.
    await page.reload()
    await page.getByTestId('review-view').waitFor()
    await expect(page.getByTestId('review-progress').textContent()).resolves.toBe('4 of 8 reviewed')
    await page.getByTestId('review-back').click()
    await page.getByTestId('run-detection').waitFor()
    expect(page.url()).toMatch(/#\/models\/runs\/1$/)
  })

  it('detects with a trained run as a job with progress, then draws what it found', { timeout: 180_000 }, async () => {
    const studio = new StudioPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }))
    const { page } = studio
    await page.goto(`${served.url}#/models/runs/${trainedRun}`)
    await page.getByTestId('run-detection').waitFor()
    await expect(page.getByTestId('review-open').count()).resolves.toBe(0)
    const detectJobs = async (): Promise<{ kind: string; state: string; params: { runId: number } }[]> =>
      ((await call('jobs:list', {})) as { kind: string; state: string; params: { runId: number } }[]).filter(
        (j) => j.kind === 'detect',
      )
    const before = (await detectJobs()).length
    // Started and cancelled while it runs: its progress shows, then it stops and stores nothing.
    await page.getByTestId('detect-start').click()
    await page.getByTestId('detect-progress').waitFor()
    await page.getByTestId('detect-cancel').click()
    await expect.poll(() => page.getByTestId('detect-state').textContent(), { timeout: 60_000 }).toBe('cancelled')
    await expect(page.getByTestId('detect-start').isEnabled()).resolves.toBe(true)

    await page.getByTestId('detect-start').click()
    // The second job exists before its state is read: until then the page could still show the first one's.
    await expect.poll(async () => (await detectJobs()).length).toBe(before + 2)
    // It ends (its progress and Cancel show while it runs) with a summary of what it scanned.
    await expect
      .poll(() => page.getByTestId('detect-state').textContent(), { timeout: 120_000 })
      .toMatch(/done|failed|cancelled/)
    const [job] = (await call('jobs:list', {})) as { error: string | null }[]
    await expect(page.getByTestId('detect-state').textContent(), job?.error ?? '').resolves.toBe('done')
    const summary = (await page.getByTestId('detect-summary').textContent()) ?? ''
    expect(summary).toMatch(/\d+ detections? in \d+ clips?: \d+ s of audio/)
    // Newest first: the two jobs of this test.
    expect((await detectJobs()).slice(0, 2).map((j) => [j.state, j.params.runId])).toEqual([
      ['done', trainedRun],
      ['cancelled', trainedRun],
    ])
    const stored = (await call('detections:list', { clipId, runId: trainedRun })) as unknown[]
    expect(stored.length).toBeGreaterThan(0)
    await expect(page.getByTestId('detect-counts').textContent()).resolves.toMatch(/stored, 0 reviewed/)
    await studio.screenshot('review-detect-done-1280x800')

    // The long recording now shows the new run's detections first, the newest run.
    await page.goto(`${served.url}#/label/clip/${clipId}`)
    await page.locator(`[data-drawn-clip="${clipId}"]`).waitFor()
    await expect.poll(() => page.getByTestId('detection-run').inputValue()).toBe(String(trainedRun))
    await expect.poll(() => page.locator('[data-testid="waveform"] .detection-mark').count()).toBe(stored.length)
    await page.locator('[data-testid="spectrogram"][data-state="ready"]').waitFor()
    await studio.screenshot('review-detected-clip-1280x800')
  })
})
