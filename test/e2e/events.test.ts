// A run's event metrics in the studio: two recordings with labeled regions and the run's stored
// detections in them, scored in the run view's Events panel (per-class table, micro and macro,
// the error rate split, precision and recall over thresholds), with screenshots at two sizes.
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addClass } from '../../src/main/core/catalog/classes'
import { openCatalog } from '../../src/main/core/catalog/open'
import { insertRunClips } from '../../src/main/core/catalog/runs'
import { createRegion } from '../../src/main/core/labeling'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { insertDetectionRun, insertDetections } from '../helpers/detections'
import { tempDir } from '../helpers/temp'
import { encodeWav } from '../helpers/wav-writer'
import { launchChromium, StudioPage } from './studio'

const RATE = 8000

/** Three seconds of faint noise. */
function noise(seed: number): Float32Array {
  const out = new Float32Array(3 * RATE)
  let s = seed
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648
    out[i] = 0.01 * ((s / 2147483648) * 2 - 1)
  }
  return out
}

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  const audio = join(dir, 'recordings')
  mkdirSync(audio)
  writeFileSync(join(audio, 'marsh-a.wav'), encodeWav([noise(1)], RATE, 'pcm16'))
  writeFileSync(join(audio, 'marsh-b.wav'), encodeWav([noise(2)], RATE, 'pcm16'))
  const project = join(dir, 'Marsh.earmark')
  expect(runEarmark(['init', project, '--name', 'Marsh']).code).toBe(0)
  const imported = runEarmark(['import', project, audio])
  expect(imported.code, imported.stderr).toBe(0)

  const catalog = openCatalog(project)
  const db = catalog.db
  const [dog, cat] = ['dog', 'cat'].map((name) => addClass(db, { name }).id) as [number, number]
  const clips = db.prepare('SELECT id, path FROM clips ORDER BY path').all() as { id: number; path: string }[]
  const [a, b] = clips.map((c) => c.id) as [number, number]
  const runId = insertDetectionRun(db, ['dog', 'cat'], { done: true })
  insertRunClips(db, runId, [
    { clipId: a, split: 'test', label: 'dog', labelVersion: null },
    { clipId: b, split: 'test', label: 'cat', labelVersion: null },
  ])
  const stamp = { author: 'ann', now: new Date() }
  for (const [clip, classId, start, end] of [
    [a, dog, 0.5, 1.0],
    [a, cat, 1.5, 2.0],
    [a, dog, 2.2, 2.8],
    [b, cat, 0.3, 0.9],
  ] as const)
    createRegion(db, clip, { classId, start, end }, stamp)
  // dog [0.55, 1.05] and [2.25, 2.75] hit the dogs; dog [1.5, 2] is timed as the cat in A (a
  // substitution); cat [0.3, 0.85] hits B's cat; cat [1.8, 2.4] in B is an insertion.
  // dog: 2 of 3 right, both found: P 0.667, R 1, F1 0.8. cat: 1 of 2, 1 of 2 found: F1 0.5.
  // Micro: 3 of 5, 3 of 4: P 0.6, R 0.75, F1 0.667; ER = (S 1 + D 0 + I 1) / 4 = 0.5. Macro F1 0.65.
  insertDetections(
    db,
    runId,
    [
      { clipId: a, label: 'dog', start: 0.55, end: 1.05, score: 0.9 },
      { clipId: a, label: 'dog', start: 1.5, end: 2.0, score: 0.6 },
      { clipId: a, label: 'dog', start: 2.25, end: 2.75, score: 0.4 },
      { clipId: b, label: 'cat', start: 0.3, end: 0.85, score: 0.8 },
      { clipId: b, label: 'cat', start: 1.8, end: 2.4, score: 0.3 },
    ],
    stamp.now,
  )
  catalog.close()

  served = await startServe([project])
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe("a run's event metrics in the studio", () => {
  it('shows per-class and overall event scores, the error rate split and the threshold curves', async () => {
    for (const [width, height] of [
      [1280, 800],
      [1024, 700],
    ] as const) {
      const studio = new StudioPage(await browser.newPage({ viewport: { width, height } }))
      const { page } = studio
      await studio.open(served.url)
      await page.getByTestId('tab-models').click()
      await page.getByTestId('models-tab-runs').click()
      await page.getByTestId('run-1').click()
      const panel = page.getByTestId('run-events')
      await panel.waitFor()
      await expect.poll(() => page.getByTestId('events-f1').textContent()).toBe('0.667')
      await expect(page.getByTestId('events-macro-f1').textContent()).resolves.toBe('0.650')
      await expect(page.getByTestId('events-er').textContent()).resolves.toBe('0.500')
      const row = (name: string) =>
        panel
          .locator(`tr[data-class="${name}"] td`)
          .allTextContents()
          .then((cells) => cells.map((c) => c.trim()))
      await expect(row('dog')).resolves.toEqual(['dog', '0.667', '1.000', '0.800', '0.500', '2', '3', '2'])
      await expect(row('cat')).resolves.toEqual(['cat', '0.500', '0.500', '0.500', '1.000', '2', '2', '1'])
      await expect(panel.locator('tr.micro td').allTextContents()).resolves.toEqual([
        'micro',
        '0.600',
        '0.750',
        '0.667',
        '0.500',
        '4',
        '5',
        '3',
      ])
      await expect(page.getByTestId('events-er-split').textContent()).resolves.toMatch(
        /substitutions 0\.25, deletions 0\.00, insertions\s+0\.25/,
      )
      await expect.poll(() => panel.locator('[data-testid="event-curves"] figure').count()).toBe(2)
      await panel.scrollIntoViewIfNeeded()
      await studio.screenshot(`run-events-${width}x${height}`)
      await page.close()
    }
  })
})
