/**
 * `npm run bench [name…] [--json]`: runs each benchmark script in bench/ (or the named ones) in
 * its own process, one after another, so no two compete for the two cores. With `--json` each
 * benchmark ends with one line `{"bench", "machine", "figures", "ratios"}` and writes it to
 * bench/results/NAME.json (see bench/report.ts).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { basename, join } from 'node:path'

const dir = import.meta.dirname
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => basename(f, '.bench.ts'))
  .sort()
const args = process.argv.slice(2)
const flags = args.filter((a) => a.startsWith('--'))
const wanted = args.filter((a) => !a.startsWith('--'))
const unknownFlags = flags.filter((f) => f !== '--json')
if (unknownFlags.length > 0) {
  console.error(`unknown option(s): ${unknownFlags.join(', ')}; the one option is --json`)
  process.exit(2)
}
const unknown = wanted.filter((name) => !all.includes(name))
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== ${name} ===`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.bench.ts`), ...flags], {
    stdio: 'inherit',
  })
  if (run.status !== 0) {
    failed++
    console.error(`${name}: failed (${run.signal ?? `exit ${run.status}`})`)
  }
}
process.exit(failed === 0 ? 0 : 1)
