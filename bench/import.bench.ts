/**
 * Import throughput on fsdd-dev: `earmark import` (the built CLI, as a user runs it) of 1,500 short
 * clips into a fresh project, wall time from process start to exit. Goal: under 5 s.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finish } from './report'

const root = join(import.meta.dirname, '..')
const fsdd = join(root, 'test', 'data', 'fsdd-dev')
if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const bin = join(root, 'bin', 'earmark.js')
const pattern = 'pattern:(?<label>\\d)_(?<group>[a-z]+)_(?<take>\\d+)\\.wav'
const runs: number[] = []
let files = 0
for (let run = 0; run < 3; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'earmark-bench-'))
  const project = join(dir, 'bench.earmark')
  spawnSync(process.execPath, [bin, 'init', project])
  const start = performance.now()
  const result = spawnSync(process.execPath, [bin, 'import', project, fsdd, '--labels-from', pattern, '--json'], {
    encoding: 'utf8',
  })
  const seconds = (performance.now() - start) / 1000
  rmSync(dir, { recursive: true, force: true })
  if (result.status !== 0) throw new Error(`import failed: ${result.stderr}`)
  const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { added: number; seconds: number }
  files = summary.added
  runs.push(seconds)
  console.log(
    `run ${run + 1}: ${summary.added} files, ${seconds.toFixed(2)} s wall (${summary.seconds.toFixed(2)} s in the job)`,
  )
}
runs.sort((a, b) => a - b)
const median = runs[1] ?? 0
console.log(
  `import of fsdd-dev: ${files} files in ${median.toFixed(2)} s (median of 3) = ${(files / median).toFixed(0)} files/s; goal < 5 s`,
)
await finish('import', {
  machine: { engine: `earmark import (the built CLI) on Node ${process.version}`, reference: null },
  figures: { files, wallSeconds: median, filesPerSecond: files / median },
  ratios: {},
})
