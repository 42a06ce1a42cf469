import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { ROOT } from './cli'

/** Where bundled child scripts go, out of the source tree. */
const CHILD_DIR = join(ROOT, 'node_modules', '.cache', 'earmark-reliability')

/**
 * Bundles a test helper (`test/helpers/NAME.ts`) into one ES module for child processes, so each
 * of many short-lived children starts in a fraction of a second; returns the bundle's path.
 */
export async function bundleChild(name: string): Promise<string> {
  mkdirSync(CHILD_DIR, { recursive: true })
  await build({
    entryPoints: { [name]: join(ROOT, 'test', 'helpers', `${name}.ts`) },
    outdir: CHILD_DIR,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    tsconfig: join(ROOT, 'tsconfig.node.json'),
    logLevel: 'error',
  })
  return join(CHILD_DIR, `${name}.mjs`)
}
