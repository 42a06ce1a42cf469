import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** The project's root folder. */
export const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'earmark.js')

/** Fails clearly when the bundle the CLI runs from is missing. */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js')) || !existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('These tests run the built CLI and studio: run "npm run build" first (npm test does).')
  }
}

/** Runs `earmark ARGS` to completion. */
export function runEarmark(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** Starts `earmark serve` and resolves once it has printed its URL. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`earmark serve printed no URL in 20 s:\n${out}\n${err}`)), 20_000)
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve({ url: match[1]!, child })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`earmark serve exited with ${code}:\n${out}\n${err}`))
    })
  })
}

/** Stops a served studio and waits for it to exit. */
export function stopServe(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.once('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}
