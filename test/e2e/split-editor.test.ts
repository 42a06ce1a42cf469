// The split editor (reached from the training form's planned split): a person holds one speaker
// out, sees the form say so before training, and the run that follows tests on that speaker alone.
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, symlinkSync } from 'node:fs'
import { basename, join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, stopServe } from '../helpers/cli'
import { fsddFiles, FSDD_PATTERN } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { serveNewProject, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }
let project: string

beforeAll(async () => {
  assertBuilt()
  const dir = tempDir()
  // 120 recordings: every digit by each of fsdd's three speakers, takes 0-3.
  const audio = join(dir, 'digits')
  mkdirSync(audio)
  for (const f of fsddFiles().filter((f) => f.take < 4)) symlinkSync(f.path, join(audio, basename(f.path)))
  project = join(dir, 'Digits.earmark')
  ;({ served, browser } = await serveNewProject(project, 'Digits', audio, ['--labels-from', `pattern:${FSDD_PATTERN}`]))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

describe('the split editor', () => {
  it('holds one speaker out, and the next run tests on that speaker only', { timeout: 180_000 }, async () => {
    const studio = new StudioPage(await browser.newPage())
    await studio.page.setViewportSize({ width: 1280, height: 900 })
    await studio.open(served.url)
    const { page } = studio
    await page.getByTestId('tab-models').click()

    // Speakers and no split column: the default policy already holds a whole speaker out.
    const planned = page.getByTestId('planned-split')
    await expect.poll(() => planned.getByTestId('planned-split-policy').textContent()).toMatch(/Policy: group/)
    await expect.poll(() => planned.textContent()).toMatch(/80 training · 0 validation · 40 test clips/)
    expect(await planned.getByTestId('leakage').count()).toBe(0)

    await page.getByTestId('split-edit').click()
    const editor = page.getByTestId('split-editor')
    const lucas = editor.getByTestId('split-group-lucas')
    await expect.poll(() => lucas.textContent()).toMatch(/^lucas40/)
    await expect.poll(() => editor.getByTestId('split-groups').locator('tbody tr').count()).toBe(3)
    await lucas.getByTestId('split-group-side').selectOption('test')
    for (const other of ['george', 'jackson']) {
      await editor.getByTestId(`split-group-${other}`).getByTestId('split-group-side').selectOption('train')
    }
    await editor.getByTestId('split-hold-out').click()
    await expect
      .poll(() => editor.getByTestId('split-result').textContent())
      .toMatch(
        /Held out lucas to test; the other clips to train: 120 clips changed\. Now train 80 · val 0 · test 40 — in test: lucas/,
      )

    // The form says where each speaker lands before Train is pressed.
    await expect.poll(() => planned.getByTestId('planned-split-policy').textContent()).toMatch(/Policy: column/)
    await expect
      .poll(() => planned.getByTestId('planned-split-groups').textContent())
      .toMatch(/test:\s*lucas.*train:\s*george, jackson/s)
    await page.getByTestId('train-param-trees').fill('5')
    await studio.screenshot('split-editor-held-out')

    await page.getByTestId('train-start').click()
    await page.getByTestId('models-tab-runs').click()
    await expect.poll(() => page.getByTestId('run-1').textContent(), { timeout: 120_000 }).toMatch(/rf.*done/s)
    await page.getByTestId('run-1').click()
    await expect
      .poll(() => page.getByTestId('run-split-policy').textContent())
      .toMatch(/Split policy: column \(the catalog split column\)/)
    await studio.screenshot('split-editor-run')

    const db = new Database(project, { readonly: true })
    try {
      const tested = db
        .prepare(
          "SELECT c.group_name AS speaker, COUNT(*) AS n FROM run_clips rc JOIN clips c ON c.id = rc.clip_id WHERE rc.run_id = 1 AND rc.split = 'test' GROUP BY c.group_name",
        )
        .all()
      expect(tested).toEqual([{ speaker: 'lucas', n: 40 }])
      expect(db.prepare('SELECT split_policy FROM runs WHERE id = 1').pluck().get()).toBe('column')
    } finally {
      db.close()
    }
  })
})
