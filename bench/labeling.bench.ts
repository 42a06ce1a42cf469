/**
 * Labeling in the browser on a 100,000-clip catalog, measured in Chromium against
 * `earmark serve` from the build: time to show the clip list's first page, time to apply a
 * filter, scroll smoothness (frames over 50 ms), time from a label key to the next clip's
 * waveform drawn, and the open time of a one-hour WAV (waveform, then spectrogram), and of the
 * same hour as an MP3 where ffmpeg is at hand, with the studio process's peak memory.
 * Goals: filter < 100 ms, label-to-next < 150 ms, one-hour WAV < 2 s.
 *
 * The catalog is written directly with the catalog modules. Its audio is eight short WAVs, each
 * clip a symbolic link to one of them (paths are unique in the catalog), with its own content
 * hash, so every clip's peaks are computed on its first open as for a real dataset.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  closeSync,
  readFileSync,
  statSync,
} from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { addClass } from '../src/main/core/catalog/classes'
import { insertClip } from '../src/main/core/catalog/clips'
import { addClipLabel } from '../src/main/core/catalog/labels'
import { openCatalog } from '../src/main/core/catalog/open'
import { assertBuilt, startServe, stopServe } from '../test/helpers/cli'
import { encodeWav } from '../test/helpers/wav-writer'
import { launchChromium } from '../test/e2e/studio'
import { LabelingPage } from '../test/e2e/labeling-page'

const CLIPS = 100_000
const RATE = 16000
/** The one-hour file: mono 16-bit PCM at this rate (a common rate for field recorders' long takes). */
const HOUR_RATE = Number(process.env['EARMARK_BENCH_HOUR_RATE'] ?? 22050)

assertBuilt()
const dir = mkdtempSync(join(tmpdir(), 'earmark-bench-labeling-'))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? NaN
const ms = (x: number) => `${x.toFixed(0)} ms`

function source(i: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE))
  const hz = 300 + 400 * i
  let seed = 99 + i
  for (let n = 0; n < out.length; n++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    out[n] = 0.3 * Math.sin((2 * Math.PI * hz * n) / RATE) + 0.05 * ((seed / 2147483648) * 2 - 1)
  }
  return out
}

/** Writes an hour of a slowly sweeping tone in noise, block by block. */
function writeHour(path: string): number {
  const frames = HOUR_RATE * 3600
  const header = Buffer.from(encodeWav([new Float32Array(0)], HOUR_RATE, 'pcm16'))
  header.writeUInt32LE(36 + frames * 2, 4)
  header.writeUInt32LE(frames * 2, 40)
  const fd = openSync(path, 'w')
  writeSync(fd, header)
  const block = new Int16Array(HOUR_RATE * 10)
  let phase = 0
  let seed = 7
  for (let s = 0; s < 3600; s += 10) {
    for (let i = 0; i < block.length; i++) {
      const t = s + i / HOUR_RATE
      phase += (2 * Math.PI * (1500 + 1000 * Math.sin(t / 30))) / HOUR_RATE
      seed = (seed * 1103515245 + 12345) % 2147483648
      block[i] = Math.round((0.25 * Math.sin(phase) + 0.02 * ((seed / 2147483648) * 2 - 1)) * 32767)
    }
    writeSync(fd, new Uint8Array(block.buffer))
  }
  closeSync(fd)
  return frames * 2 + 44
}

/** The studio process's peak resident memory (its worker threads included), from /proc. */
function serverMemory(pid: number | undefined): string {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : 'unknown'
  } catch {
    return 'unknown'
  }
}

// --- the catalog -----------------------------------------------------------------------------------
const start = performance.now()
const audio = join(dir, 'audio')
const links = join(dir, 'clips')
mkdirSync(audio)
mkdirSync(links)
const sources = Array.from({ length: 8 }, (_, i) => {
  const seconds = 1 + (i % 4) * 0.5
  const path = join(audio, `source-${i}.wav`)
  const bytes = encodeWav([source(i, seconds)], RATE, 'pcm16')
  writeFileSync(path, bytes)
  return { path, seconds, size: bytes.length }
})
// Named to sort after every other clip, so that nothing opens it before it is measured.
const hourPath = join(audio, 'x-dawn-chorus-one-hour.wav')
const hourSize = writeHour(hourPath)
console.log(`one-hour WAV written in ${((performance.now() - start) / 1000).toFixed(1)} s`)
/** The one-hour files measured: the WAV, and the same hour as an MP3 where ffmpeg can encode it. */
const hours = [{ kind: 'WAV', name: 'x-dawn-chorus-one-hour.wav', hash: 'bench-hour' }]
const hourMp3 = join(audio, 'y-dawn-chorus-one-hour.mp3')
const encoded = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', hourPath, '-c:a', 'libmp3lame', '-b:a', '96k', hourMp3])
if (encoded.status === 0) {
  hours.push({ kind: 'MP3', name: 'y-dawn-chorus-one-hour.mp3', hash: 'bench-hour-mp3' })
  console.log(`one-hour MP3 encoded in ${((performance.now() - start) / 1000).toFixed(1)} s`)
} else console.log('ffmpeg could not encode the one-hour MP3: measuring the WAV only')
/** Every clip of the catalog: the generated ones and the one-hour files. */
const allClips = CLIPS + hours.length
const projectPath = join(dir, 'bench.earmark')
const catalog = openCatalog(projectPath, { create: true, name: '100k clips' })
const classIds = ['bird', 'frog', 'insect', 'mammal', 'rain'].map((name) => addClass(catalog.db, { name }).id)
let labelled = 0
catalog.db.transaction(() => {
  for (let i = 0; i < CLIPS; i++) {
    const s = sources[i % sources.length] as (typeof sources)[number]
    const path = join(links, `rec-${String(i).padStart(6, '0')}.wav`)
    symlinkSync(s.path, path)
    const id = insertClip(catalog.db, {
      path,
      contentHash: `bench-${i}`,
      duration: s.seconds,
      sampleRate: RATE,
      channels: 1,
      size: s.size,
      codec: 'PCM 16-bit',
      group: `site-${i % 40}`,
      split: (['train', 'val', 'test'] as const)[i % 10 < 8 ? 0 : i % 10 === 8 ? 1 : 2],
    })
    // Two clips in five already carry a label; the rest are left to label.
    if (i % 5 < 2) {
      addClipLabel(catalog.db, id, classIds[i % classIds.length] as number, 'bench')
      labelled++
    }
  }
  insertClip(catalog.db, {
    path: hourPath,
    contentHash: 'bench-hour',
    duration: 3600,
    sampleRate: HOUR_RATE,
    channels: 1,
    size: hourSize,
    codec: 'PCM 16-bit',
  })
  if (hours.length > 1) {
    insertClip(catalog.db, {
      path: hourMp3,
      contentHash: 'bench-hour-mp3',
      duration: 3600,
      sampleRate: HOUR_RATE,
      channels: 1,
      size: statSync(hourMp3).size,
      codec: 'MP3',
    })
  }
})()
catalog.close()
console.log(
  `catalog: ${allClips} clips (${labelled} labelled) and the one-hour ${hours.map((h) => h.kind).join(' and ')} (${HOUR_RATE} Hz) in ${((performance.now() - start) / 1000).toFixed(1)} s`,
)

// --- in the browser ----------------------------------------------------------------------------------

/*
 * What runs in the page is plain JavaScript in strings: the page has the DOM this Node-typed file
 * does not, and tsx's name-keeping helpers do not exist there.
 */

/** Runs `(source)(arg)` in the page and returns its (awaited) value. */
function inPage<T>(page: Page, source: string, arg: unknown = null): Promise<T> {
  return page.evaluate(`(${source})(${JSON.stringify(arg)})`) as Promise<T>
}

/**
 * The time from running `act` in the page until `done` holds (checked on every DOM change) and
 * the next frame is painted.
 */
const TIME_UNTIL = `async ({ act, done }) => {
  const actFn = new Function('return (' + act + ')')()
  const doneFn = new Function('return (' + done + ')')()
  const t0 = performance.now()
  await new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => check())
    const timer = setTimeout(() => { observer.disconnect(); reject(new Error('timed out waiting for ' + done)) }, 30000)
    const check = () => {
      if (!doneFn()) return
      observer.disconnect()
      clearTimeout(timer)
      resolve()
    }
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    actFn()
    check()
  })
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
  const total = performance.now() - t0
  const requests = performance.getEntriesByType('resource')
    .filter((e) => e.startTime >= t0 && e.name.includes('/api/clips:query'))
    .map((e) => e.duration)
  performance.clearResourceTimings()
  return { total, requests }
}`

/** Durations of the clip-list queries made while timing (request to response, as the page saw them). */
const queryTimes: number[] = []
async function timeInPage(page: Page, act: string, done: string): Promise<number> {
  const { total, requests } = await inPage<{ total: number; requests: number[] }>(page, TIME_UNTIL, { act, done })
  queryTimes.push(...requests)
  return total
}

/** Scrolls the list 300 frames at 450 px a frame (15 rows), then jumps across it; frame times. */
const SCROLL = `async () => {
  const list = document.querySelector('[data-testid="clip-list"]')
  const frames = []
  let last = performance.now()
  const frame = async () => {
    await new Promise((r) => requestAnimationFrame(r))
    const now = performance.now()
    frames.push(now - last)
    last = now
  }
  for (let i = 0; i < 300; i++) { list.scrollTop += 450; await frame() }
  for (let i = 0; i < 30; i++) { list.scrollTop = ((i * 7919) % 97) * (list.scrollHeight / 97); await frame() }
  // Rows still showing their placeholder once scrolling stops, after a moment to load.
  await new Promise((r) => setTimeout(r, 500))
  const placeholders = [...list.querySelectorAll('.list-row')].filter((row) => row.textContent.trim() === '…').length
  return { frames, placeholders }
}`

/** Arms a stopwatch: from the next keydown to the waveform of a clip other than `previous` drawn and painted. */
const ARM_LABEL_TO_NEXT = `(previous) => {
  window.__labelToNext = new Promise((resolve) => {
    let t0 = 0
    window.addEventListener('keydown', () => (t0 = performance.now()), { capture: true, once: true })
    const waveform = document.querySelector('[data-testid="waveform"]')
    const observer = new MutationObserver(() => {
      const drawn = waveform.getAttribute('data-drawn-clip')
      if (drawn === null || drawn === String(previous)) return
      observer.disconnect()
      requestAnimationFrame(() => setTimeout(() => {
        const total = performance.now() - t0
        // The requests made meanwhile, by kind, with when they ended (ms after the key).
        const requests = performance.getEntriesByType('resource')
          .filter((e) => e.startTime >= t0 && e.responseEnd <= t0 + total)
          .map((e) => ({ kind: new URL(e.name).pathname.replace(/\\/\\d+$/, '').replace(/^\\/(api|media)\\//, ''), ms: e.duration, end: e.responseEnd - t0 }))
        performance.clearResourceTimings()
        resolve({ total, requests })
      }, 0))
    })
    observer.observe(waveform, { attributes: true, attributeFilter: ['data-drawn-clip'] })
  })
}`

/** Clicks a row and times its waveform drawn, then its spectrogram drawn for the visible window. */
const OPEN_ROW = `async ({ row, before }) => {
  const t0 = performance.now()
  document.querySelector('[data-testid="' + row + '"]').click()
  const waitFor = (test) => new Promise((resolve) => {
    const tick = () => (test() ? requestAnimationFrame(() => resolve(performance.now() - t0)) : setTimeout(tick, 5))
    tick()
  })
  const drawn = () => document.querySelector('[data-drawn-clip]')?.getAttribute('data-drawn-clip')
  const waveform = await waitFor(() => drawn() != null && drawn() !== String(before))
  const id = drawn()
  const spectrogram = await waitFor(() =>
    document.querySelector('[data-testid="spectrogram"][data-state="ready"][data-clip="' + id + '"]') !== null)
  return { waveform, spectrogram }
}`

const served = await startServe([projectPath])
const browser = await launchChromium()
const results: string[] = []
const report = (line: string) => {
  results.push(line)
  console.log(line)
}
try {
  const page = new LabelingPage(await browser.newPage({ viewport: { width: 1400, height: 1000 } }))
  await page.open(served.url)
  const unlabeled = allClips - labelled

  // First page: from pressing the Label tab to the list's first rows shown (and the total).
  const firstPage: number[] = []
  for (let run = 0; run < 5; run++) {
    await page.page.getByTestId('tab-project').click()
    await page.page.getByTestId('clip-count').waitFor()
    firstPage.push(
      await timeInPage(
        page.page,
        `() => document.querySelector('[data-testid="tab-library"]').click()`,
        `() => document.querySelector('[data-testid="row-rec-000000.wav"]') !== null && document.querySelector('[data-testid="clip-total"]')?.textContent === '${allClips} clips'`,
      ),
    )
  }
  await page.waitForDrawn()
  report(`first page of the list: ${ms(median(firstPage))} (median of 5; all: ${firstPage.map(ms).join(', ')})`)

  queryTimes.length = 0
  // Filters: the unlabeled box, a class, a group; each on and off, until the list shows the answer.
  const filterTimes = { unlabeled: [] as number[], class: [] as number[], group: [] as number[] }
  const total = (n: number) =>
    `() => document.querySelector('[data-testid="clip-total"]')?.textContent === '${n} clips' && document.querySelector('[data-testid="clip-list"] [data-testid^="row-"]') !== null`
  // Labels went to clips i % 5 < 2, class i % 5: bird on i % 5 === 0.
  const birds = Math.ceil(CLIPS / 5)
  for (let run = 0; run < 5; run++) {
    filterTimes.unlabeled.push(
      await timeInPage(
        page.page,
        `() => document.querySelector('[data-testid="filter-unlabeled"]').click()`,
        total(unlabeled),
      ),
    )
    filterTimes.unlabeled.push(
      await timeInPage(
        page.page,
        `() => document.querySelector('[data-testid="filter-unlabeled"]').click()`,
        total(allClips),
      ),
    )
    filterTimes.class.push(
      await timeInPage(page.page, `() => document.querySelector('[data-testid="count-bird"]').click()`, total(birds)),
    )
    filterTimes.class.push(
      await timeInPage(
        page.page,
        `() => document.querySelector('[data-testid="count-bird"]').click()`,
        total(allClips),
      ),
    )
    filterTimes.group.push(
      await timeInPage(
        page.page,
        `() => { const s = document.querySelector('select[aria-label="Group"]'); s.value = 'site-7'; s.dispatchEvent(new Event('change')) }`,
        total(CLIPS / 40),
      ),
    )
    filterTimes.group.push(
      await timeInPage(
        page.page,
        `() => { const s = document.querySelector('select[aria-label="Group"]'); s.value = ''; s.dispatchEvent(new Event('change')) }`,
        total(allClips),
      ),
    )
  }
  const filterQueries = [...queryTimes]
  const allFilters = Object.values(filterTimes).flat()
  report(
    `apply a filter: ${ms(median(allFilters))} median, ${ms(p95(allFilters))} p95 over ${allFilters.length} (unlabeled ${ms(median(filterTimes.unlabeled))}, class ${ms(median(filterTimes.class))}, group ${ms(median(filterTimes.group))}); goal < 100 ms`,
  )
  report(`  of which the clips:query request (median): ${ms(median(filterQueries))} over ${filterQueries.length}`)

  // Scrolling: 300 frames at 450 px a frame (15 rows), then jumps across the list; frame times.
  const scroll = await inPage<{ frames: number[]; placeholders: number }>(page.page, SCROLL)
  const slow = scroll.frames.filter((f) => f > 50).length
  report(
    `scrolling: ${slow} of ${scroll.frames.length} frames over 50 ms (median frame ${median(scroll.frames).toFixed(1)} ms, p95 ${p95(scroll.frames).toFixed(1)} ms, worst ${Math.max(...scroll.frames).toFixed(0)} ms); rows unfilled 0.5 s after: ${scroll.placeholders}`,
  )

  // Label key to the next clip's waveform drawn (next unlabeled clip; the default advance).
  await inPage(page.page, `() => (document.querySelector('[data-testid="clip-list"]').scrollTop = 0)`)
  await page.page.getByTestId('row-rec-000002.wav').waitFor()
  await page.page.getByTestId('row-rec-000002.wav').click()
  await page.waitForDrawn()
  await page.clipName().click()
  const labelTimes: number[] = []
  const requestTimes: Record<string, number[]> = {}
  for (let run = 0; run < 25; run++) {
    const before = await page.waitForDrawn()
    await inPage(page.page, ARM_LABEL_TO_NEXT, before)
    await page.page.keyboard.press(String((run % 5) + 1))
    const measured = await inPage<{ total: number; requests: { kind: string; ms: number; end: number }[] }>(
      page.page,
      '() => window.__labelToNext',
    )
    labelTimes.push(measured.total)
    for (const r of measured.requests) (requestTimes[r.kind] ??= []).push(r.ms)
  }
  report(
    `label key to the next clip's waveform: ${ms(median(labelTimes))} median, ${ms(p95(labelTimes))} p95 over ${labelTimes.length} (first ${ms(labelTimes[0] ?? NaN)}); goal < 150 ms`,
  )

  report(
    `  requests in that time (median ms, count): ${Object.entries(requestTimes)
      .map(([kind, times]) => `${kind} ${median(times).toFixed(0)} (${times.length})`)
      .join(', ')}`,
  )

  // The one-hour files: from choosing one in the list to its waveform drawn, then its spectrogram.
  const hwm = () => serverMemory(served.child.pid)
  report(`studio process peak memory before the one-hour files: ${hwm()}`)
  for (const hour of hours) {
    const row = `row-${hour.name}`
    const showOnly = async (search: string, testId: string) => {
      await page.page.getByTestId('filter-search').fill(search)
      await page.page.locator('[data-testid="clip-total"]', { hasText: /^1 clips$/ }).waitFor()
      await page.page.getByTestId(testId).waitFor()
    }
    await showOnly(hour.name, row)
    if (existsSync(join(`${projectPath}.cache`, 'peaks', `${hour.hash}.f32`))) {
      throw new Error(`the one-hour ${hour.kind} was opened before its measurement`)
    }
    for (const label of ['first open (peaks computed)', 'second open (peaks cached)']) {
      const previous = await page.waitForDrawn()
      if (label.startsWith('second')) {
        // Away to another clip first, so that the hour is opened again.
        await showOnly('rec-000010', 'row-rec-000010.wav')
        await page.page.getByTestId('row-rec-000010.wav').click()
        await page.page.locator(`[data-drawn-clip]:not([data-drawn-clip="${previous}"])`).waitFor()
        await showOnly(hour.name, row)
      }
      const current = await page.waitForDrawn()
      const times = await inPage<{ waveform: number; spectrogram: number }>(page.page, OPEN_ROW, {
        row,
        before: current,
      })
      report(
        `one-hour ${hour.kind}, ${label}: waveform ${ms(times.waveform)}, spectrogram ${ms(times.spectrogram)}${hour.kind === 'WAV' ? '; goal < 2000 ms' : ''}`,
      )
    }
    report(`studio process peak memory after the one-hour ${hour.kind}: ${hwm()}`)
  }
} finally {
  await browser.close()
  await stopServe(served.child)
  rmSync(dir, { recursive: true, force: true })
}
console.log(`\nsummary:\n${results.join('\n')}`)
