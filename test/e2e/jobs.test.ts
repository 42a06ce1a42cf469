// Jobs belong to the service: a double click starts one job, a reload mid-training finds the
// training live with a working Cancel, the Models forms survive leaving the tab, and the address
// names the open run so that a reload lands on it.
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../src/shared/domain'
import type { JobDetail, ListedJob } from '../../src/shared/jobs'
import type { RunInfo } from '../../src/shared/evaluation'
import type { Result } from '../../src/shared/result'
import { assertBuilt, stopServe } from '../helpers/cli'
import { writeFsddManifest } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'
import { serveNewProject, StudioPage } from './studio'

let browser: Browser
let served: { url: string; child: ChildProcess }

beforeAll(async () => {
  assertBuilt()
  // Digits 0-2 of fsdd-dev, takes 0-5 (takes 0-1 test): about fifty clips, a forest trains in a second.
  const dir = tempDir()
  const manifest = writeFsddManifest(dir, ({ digit, take }) =>
    Number(digit) < 3 && take < 6 ? { label: digit, split: take < 2 ? 'test' : 'train' } : null,
  )
  ;({ served, browser } = await serveNewProject(join(dir, 'Jobs.earmark'), 'Jobs', manifest, ['--labels-from', 'csv']))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (served) await stopServe(served.child)
})

/** Calls the service as any client would (not through the page), with the run's token. */
async function call<T>(method: string, input: unknown = {}): Promise<T> {
  const url = new URL(served.url)
  const response = await fetch(`${url.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${url.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  const result = (await response.json()) as Result<T>
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

const jobsOf = async (kind: string) => (await call<ListedJob[]>('jobs:list', {})).filter((j) => j.kind === kind)
const origin = () => new URL(served.url).origin

async function openModels(): Promise<{ studio: StudioPage; page: Page }> {
  const studio = new StudioPage(await browser.newPage())
  await studio.open(served.url)
  await studio.page.getByTestId('tab-models').click()
  return { studio, page: studio.page }
}

describe('jobs in the studio', () => {
  it('a double click on Train or Start sweep starts exactly one job', { timeout: 180_000 }, async () => {
    const { studio, page } = await openModels()
    await page.getByTestId('train-param-trees').fill('7')
    await page.getByTestId('train-start').dblclick()
    await expect
      .poll(() => page.getByTestId('training-live').getAttribute('data-state'), { timeout: 60_000 })
      .toBe('done')
    expect(await jobsOf('train')).toHaveLength(1)
    expect(await call<RunInfo[]>('runs:list')).toHaveLength(1)

    await page.getByTestId('models-tab-sweeps').click()
    await page.getByTestId('sweep-edit-json').check()
    await page.getByTestId('sweep-spec').fill(
      JSON.stringify({
        model: 'rf',
        strategy: 'grid',
        cv: { kind: 'stratified', folds: 2 },
        space: { trees: [3, 5] },
      }),
    )
    await page.getByTestId('sweep-start').dblclick()
    await expect.poll(() => page.getByTestId('sweep-state').textContent(), { timeout: 60_000 }).toBe('done')
    const sweeps = await jobsOf('sweep')
    expect(sweeps).toHaveLength(1)
    expect(await call<unknown[]>('sweeps:list')).toHaveLength(1)
    // The activity list shows both jobs, ended.
    await page.getByTestId('activity-button').click()
    await expect(page.getByTestId(`activity-job-${sweeps[0]?.id}`).getAttribute('data-state')).resolves.toBe('done')
    await expect(page.locator('[data-testid="activity-panel"] li[data-kind="train"]').count()).resolves.toBe(1)
    await studio.screenshot('jobs-double-click')
    await page.close()
  })

  it('after a reload mid-training the run is live again and Cancel stops it', { timeout: 240_000 }, async () => {
    const { studio, page } = await openModels()
    await page.getByTestId('train-model').selectOption('cnn')
    await page.getByTestId('train-param-epochs').fill('300')
    await page.getByTestId('train-param-batchSize').fill('8')
    await page.getByTestId('train-param-filters').fill('[4, 8]')
    await page.locator('.all-params summary').click()
    await page.getByTestId('train-param-patience').fill('null')
    await page.getByTestId('train-start').click()
    const points = page.locator('[data-testid="training-live"] circle.epoch-point.loss')
    await expect.poll(() => points.count(), { timeout: 120_000 }).toBeGreaterThanOrEqual(1)

    await page.reload()
    // The reload lands on the Models tab, where the training was started.
    await page.getByTestId('models-tab-train').waitFor()
    expect(new URL(page.url()).hash).toBe('#/models/train')
    const live = page.getByTestId('training-live')
    await expect.poll(() => live.getAttribute('data-state'), { timeout: 30_000 }).toBe('running')
    // The curve starts from the epochs recorded before the reload and keeps growing.
    await expect.poll(() => points.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1)
    const before = await points.count()
    await expect.poll(() => points.count(), { timeout: 60_000 }).toBeGreaterThan(before)
    await expect(page.getByTestId('job-progress').textContent()).resolves.toMatch(/epoch \d+ of 300/)
    await page.getByTestId('activity-button').click()
    await expect(page.getByTestId('activity-running').textContent()).resolves.toBe('1')
    await studio.screenshot('jobs-reload-live')

    // The run's own page follows it too: its epochs grow while it trains.
    await page.getByTestId('activity-button').click()
    await page.getByTestId('models-tab-runs').click()
    const [running] = await call<RunInfo[]>('runs:list')
    await page.getByTestId(`open-run-${running?.id}`).click()
    await expect.poll(() => page.getByTestId('run-state').textContent()).toBe('running')
    await page.getByTestId('run-epochs').waitFor({ timeout: 60_000 })
    const epochs = Number(await page.getByTestId('run-epochs').textContent())
    await expect
      .poll(async () => Number(await page.getByTestId('run-epochs').textContent()), { timeout: 60_000 })
      .toBeGreaterThan(epochs)
    await studio.screenshot('jobs-run-following')

    // Cancel, from the live panel the Runs view keeps above the list while the run trains.
    await page.getByTestId('train-cancel').click()
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 60_000 }).toBe('cancelled')
    await page.getByTestId('models-tab-train').click()
    await expect(live.getAttribute('data-state')).resolves.toBe('cancelled')
    const [run] = await call<RunInfo[]>('runs:list')
    expect(run).toMatchObject({ model: 'cnn', state: 'cancelled' })
    expect((await jobsOf('train'))[0]?.state).toBe('cancelled')
    await page.close()
  })

  it('leaving the Models tab keeps its forms as they were left', { timeout: 60_000 }, async () => {
    const { studio, page } = await openModels()
    await page.getByTestId('train-model').selectOption('gbdt')
    await page.getByTestId('train-param-maxIter').fill('12')
    await page.getByTestId('models-tab-sweeps').click()
    await page.getByTestId('sweep-strategy').selectOption('random')
    await page.getByTestId('sweep-trials-count').fill('3')

    await page.getByTestId('tab-project').click()
    await page.getByTestId('tab-models').click()
    // Back on the part of the tab that was open, with the sweep as set.
    await expect(page.getByTestId('sweep-strategy').inputValue()).resolves.toBe('random')
    await expect(page.getByTestId('sweep-trials-count').inputValue()).resolves.toBe('3')
    await page.getByTestId('models-tab-train').click()
    await expect(page.getByTestId('train-model').inputValue()).resolves.toBe('gbdt')
    await expect(page.getByTestId('train-param-maxIter').inputValue()).resolves.toBe('12')
    await studio.screenshot('jobs-form-kept')
    await page.close()
  })

  it('the address names the open run: a reload and Back land on it', { timeout: 60_000 }, async () => {
    // A run of its own, trained through the service as any client would start it.
    const job = await call<JobInfo>('train:start', { model: 'rf', params: { trees: 3 }, seed: 4 })
    await expect
      .poll(async () => (await call<JobDetail>('jobs:get', { id: job.id })).state, { timeout: 60_000 })
      .toBe('done')
    const runId = job.runId as number
    const studio = new StudioPage(await browser.newPage())
    await studio.open(served.url)
    const { page } = studio
    await page.goto(`${origin()}/#/models/runs/${runId}`)
    const heading = page.getByTestId('run-history').locator('h2')
    await expect.poll(() => heading.textContent()).toMatch(new RegExp(`Run #${runId}: rf on js`))
    await page.getByTestId('run-detail').waitFor()
    await page.reload()
    await expect.poll(() => heading.textContent(), { timeout: 20_000 }).toMatch(new RegExp(`Run #${runId}:`))
    expect(new URL(page.url()).hash).toBe(`#/models/runs/${runId}`)

    await page.getByTestId('tab-library').click()
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/label/)
    await page.goBack()
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/models/runs/${runId}`)
    await expect.poll(() => heading.textContent()).toMatch(new RegExp(`Run #${runId}:`))
    await studio.screenshot('jobs-run-route')

    // A clip has its address too: a reload on it opens that clip on the Label tab.
    const clips = await call<{ rows: { id: number; name: string }[] }>('clips:query', { offset: 5, limit: 1 })
    const clip = clips.rows[0] as { id: number; name: string }
    await page.goto(`${origin()}/#/label/clip/${clip.id}`)
    await expect.poll(() => page.getByTestId('clip-name').textContent()).toBe(clip.name)
    await page.reload()
    await expect.poll(() => page.getByTestId('clip-name').textContent()).toBe(clip.name)
    expect(new URL(page.url()).hash).toBe(`#/label/clip/${clip.id}`)
    await page.close()
  })
})
