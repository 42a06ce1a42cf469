import { vi } from 'vitest'
import { runCli } from '../../src/main/cli/program'

/**
 * Runs `earmark ARGS` in this process (no build needed, and the code under test is covered),
 * returning its exit code and what it printed on stdout and stderr.
 */
export async function runEarmarkInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  })
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += `${parts.join(' ')}\n`))
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (err += `${parts.join(' ')}\n`))
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk)
    return true
  })
  try {
    return { code: await runCli(args), out, err }
  } finally {
    vi.restoreAllMocks()
  }
}
