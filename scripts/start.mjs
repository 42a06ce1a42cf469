// `npm start`: build the studio, then open the desktop window. npm installs the electron package
// without running its installer (package.json allowScripts): on networks that block the installer's
// host, a failed download would make npm drop the optional package, types and all. So the binary
// is fetched here, on first start; where that fails, say so in one line and serve the same studio
// on loopback instead.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

const build = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  {
    cwd: root,
    stdio: 'inherit',
  },
)
if (build.status !== 0) process.exit(build.status ?? 1)

const electron = electronBinary() ?? downloadElectron()
if (!electron) {
  console.log("Electron's binary is not installed here, so Earmark serves the studio on loopback instead:")
  run(process.execPath, [join(root, 'bin', 'earmark.js'), 'serve', ...args])
} else {
  const native = spawnSync(process.execPath, [join(root, 'scripts', 'electron-native.mjs')], {
    cwd: root,
    stdio: 'inherit',
  })
  if (native.status !== 0) process.exit(native.status ?? 1)
  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE
  run(electron, [root, ...args], env)
}

/** The Electron executable, or null when the package or its binary is absent. */
function electronBinary() {
  try {
    const path = createRequire(join(root, 'package.json'))('electron')
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
}

/** Runs Electron's own installer once (unless told not to); the binary, or null when it could not. */
function downloadElectron() {
  const installer = join(root, 'node_modules', 'electron', 'install.js')
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD || !existsSync(installer)) return null
  console.log("Fetching Electron's binary (once)…")
  const fetched = spawnSync(process.execPath, [installer], {
    cwd: join(root, 'node_modules', 'electron'),
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 180_000,
  })
  if (fetched.status !== 0) {
    // The installer's first line names the error (e.g. "RequestError: getaddrinfo ENOTFOUND github.com").
    const reason = fetched.error?.message ?? fetched.stderr?.toString().trim().split('\n')[0] ?? 'unknown error'
    console.log(`Could not fetch Electron's binary (${reason}).`)
    return null
  }
  return electronBinary()
}

function run(command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code) => process.exit(code ?? 0))
}
