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
export function startServe(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; child: ChildProcess; output: { out: string; err: string } }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    // Everything the server prints, kept up to date for as long as it runs.
    const output = { out: '', err: '' }
    const timer = setTimeout(
      () => reject(new Error(`earmark serve printed no URL in 20 s:\n${output.out}\n${output.err}`)),
      20_000,
    )
    child.stderr.on('data', (chunk: Buffer) => (output.err += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      output.out += chunk.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output.out)
      if (match) {
        clearTimeout(timer)
        resolve({ url: match[1]!, child, output })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`earmark serve exited with ${code}:\n${output.out}\n${output.err}`))
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
