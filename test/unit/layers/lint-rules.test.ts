// The layer rules live in lint (eslint.config.js); each must fire on the import it forbids, or the
// layering is prose again. Each case plants one import in a file of a folder and lints it.
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../helpers/cli'

const eslint = new ESLint({ cwd: ROOT })

/** The messages lint gives `code` as if it were the file at `filePath`, for one rule. */
async function messages(filePath: string, code: string, rule: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message)
}

const imports = (from: string) => `import { x } from '${from}'\nexport const y = x\n`

describe('layer rules in lint', () => {
  const forbidden: [string, string, string, RegExp][] = [
    ['the renderer imports main', 'src/renderer/src/planted.ts', '../../main/core/errors', /shared code only/],
    ['the renderer imports Node', 'src/renderer/src/planted.ts', 'node:fs', /Node and Electron stay out/],
    ['shared imports main', 'src/shared/planted.ts', '../main/core/errors', /imports nothing of main/],
    ['shared imports the renderer', 'src/shared/planted.ts', '@renderer/api', /imports nothing of main/],
    ['shared imports SQLite', 'src/shared/planted.ts', 'better-sqlite3', /no Node, Electron or SQLite/],
    ['core imports the server', 'src/main/core/planted.ts', '../server/server', /never imports a transport/],
    ['core imports the CLI', 'src/main/core/runs/planted.ts', '../../cli/output', /never imports a transport/],
    ['core imports the shell', 'src/main/core/planted.ts', '../electron/window', /never imports a transport/],
    ['core imports Electron', 'src/main/core/planted.ts', 'electron', /runs without Electron/],
    ['the CLI imports the shell', 'src/main/cli/planted.ts', '../electron/window', /run without the Electron shell/],
    ['the preload imports main', 'src/preload/planted.ts', '../main/core/service', /contract \(shared\) only/],
    [
      'a model imports the trainer',
      'src/main/core/models/deep/planted.ts',
      '../../training/trainer',
      /never the other way round: models and kernels/,
    ],
    [
      'a kernel imports a model',
      'src/main/core/kernels/planted.ts',
      '../models/deep/layers',
      /never the other way round: models and kernels/,
    ],
    [
      'a model imports the server',
      'src/main/core/models/deep/planted.ts',
      '../../../server/server',
      /never imports a transport/,
    ],
  ]

  it.each(forbidden)('fires when %s', async (_, file, from, message) => {
    expect(await messages(file, imports(from), 'no-restricted-imports')).toEqual([expect.stringMatching(message)])
  })

  it('lets each layer import what it may', async () => {
    for (const [file, from] of [
      ['src/renderer/src/planted.ts', '@shared/contract'],
      ['src/main/core/planted.ts', '@shared/contract'],
      ['src/main/core/planted.ts', 'node:fs'],
      ['src/main/core/training/planted.ts', '../models/deep/layers'],
      ['src/main/core/models/deep/planted.ts', '../../kernels/simd'],
      ['src/main/server/planted.ts', '../core/service'],
      ['src/main/cli/planted.ts', '../core/service'],
      ['src/preload/planted.ts', '@shared/contract'],
    ]) {
      expect(
        await messages(file as string, imports(from as string), 'no-restricted-imports'),
        `${file} ← ${from}`,
      ).toEqual([])
    }
  })

  it('keeps raw IPC in the transport module', async () => {
    const code = "import { ipcMain } from 'electron'\nexport const y = ipcMain\n"
    expect(await messages('src/main/electron/planted.ts', code, 'no-restricted-imports')).toEqual([
      expect.stringMatching(/Raw IPC lives only/),
    ])
    expect(await messages('src/main/electron/ipc-transport.ts', code, 'no-restricted-imports')).toEqual([])
  })

  it('keeps SQL in the catalog', async () => {
    const code = "export const n = (db: { prepare(s: string): unknown }) => db.prepare('SELECT 1')\n"
    expect(await messages('src/main/core/runs/planted.ts', code, 'no-restricted-syntax')).toEqual([
      expect.stringMatching(/SQL lives in src\/main\/core\/catalog/),
    ])
    expect(await messages('src/main/core/catalog/planted.ts', code, 'no-restricted-syntax')).toEqual([])
  })
})
