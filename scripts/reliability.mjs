// `npm run reliability`: the long run of the reliability tests (docs/reliability.md), at the
// scale the reliability targets ask for, which `npm test` only samples: ~100 kill -9 points across import,
// labeling and migrations, 20 during training, 10 500 fuzzed audio files, 1 000 fuzzed calls per
// API method, and a 300-epoch training soak.
// Prints each family's counts and outcome at the end. Takes 15-30 minutes on two cores.
import { spawn, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const files = [
  'test/unit/audio/reliability.test.ts',
  'test/unit/api/reliability-fuzz.test.ts',
  'test/integration/reliability-catalog.test.ts',
  'test/integration/reliability-copy.test.ts',
  'test/integration/reliability-audio-limits.test.ts',
  'test/integration/reliability-serve.test.ts',
  'test/integration/reliability-training.test.ts',
  'test/e2e/reliability-text.test.ts',
  'test/e2e/electron-security.test.ts',
]
const env = {
  ...process.env,
  EARMARK_KILLS: process.env.EARMARK_KILLS ?? '6',
  EARMARK_FUZZ_RUNS: process.env.EARMARK_FUZZ_RUNS ?? '1500',
  EARMARK_FUZZ_API_RUNS: process.env.EARMARK_FUZZ_API_RUNS ?? '1000',
  EARMARK_TRAIN_KILLS: process.env.EARMARK_TRAIN_KILLS ?? '20',
  EARMARK_SOAK_EPOCHS: process.env.EARMARK_SOAK_EPOCHS ?? '300',
}

const build = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  {
    cwd: root,
    stdio: 'inherit',
  },
)
if (build.status !== 0) process.exit(build.status ?? 1)

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
const child = spawn(process.execPath, [vitest, 'run', '--testTimeout=1800000', '--hookTimeout=120000', ...files], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
})
let output = ''
child.stdout.on('data', (chunk) => {
  output += chunk.toString()
  process.stdout.write(chunk)
})
child.on('exit', (code) => {
  // The tests print one counting line per family ("D2: 120 kills during labeling, …").
  // eslint-disable-next-line no-control-regex -- strip the colour codes vitest adds
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '')
  const counts = [...plain.matchAll(/^\s*((?:A13|D1|D1 copies|D2|D6|D8|D9|E3|S|T1|T3|T7): .*)$/gm)].map((m) => m[1])
  console.log(
    '\nReliability run (EARMARK_KILLS=%s, EARMARK_FUZZ_RUNS=%s, EARMARK_FUZZ_API_RUNS=%s, EARMARK_TRAIN_KILLS=%s, EARMARK_SOAK_EPOCHS=%s)',
    env.EARMARK_KILLS,
    env.EARMARK_FUZZ_RUNS,
    env.EARMARK_FUZZ_API_RUNS,
    env.EARMARK_TRAIN_KILLS,
    env.EARMARK_SOAK_EPOCHS,
  )
  for (const line of counts) console.log(`  ${line}`)
  console.log(code === 0 ? 'All reliability tests passed.' : `Reliability tests failed (exit ${code}).`)
  process.exit(code ?? 1)
})
