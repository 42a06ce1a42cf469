// better-sqlite3 is a native addon, and Electron's ABI differs from Node's. Rather than rebuilding
// it in place (which would break the CLI and the tests, which run on Node), build a second copy
// for Electron into out/native/ once per Electron version; src/main/index.ts loads that copy.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const electronVersion = require('electron/package.json').version
const outDir = join(root, 'out', 'native')
const stamp = join(outDir, 'electron-version.txt')
const target = join(outDir, 'better_sqlite3.node')

if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === electronVersion) process.exit(0)

console.log(`Building better-sqlite3 for Electron ${electronVersion} (once)…`)
const source = dirname(require.resolve('better-sqlite3/package.json'))
const work = join(outDir, 'better-sqlite3-electron')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
for (const entry of ['binding.gyp', 'package.json', 'src', 'deps'])
  cpSync(join(source, entry), join(work, entry), { recursive: true })

// npm exports the path of its bundled node-gyp to scripts; fall back to a node-gyp on PATH.
const gyp = process.env.npm_config_node_gyp
const [command, prefix] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []]
const result = spawnSync(
  command,
  [
    ...prefix,
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    `--arch=${process.arch}`,
    '--runtime=electron',
    '--dist-url=https://electronjs.org/headers',
  ],
  { cwd: work, stdio: 'inherit' },
)
if (result.status !== 0) {
  console.error('Could not build better-sqlite3 for Electron; the desktop window cannot open its catalog.')
  process.exit(result.status ?? 1)
}
copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), target)
writeFileSync(stamp, electronVersion)
rmSync(work, { recursive: true, force: true })
