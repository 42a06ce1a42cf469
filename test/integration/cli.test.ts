import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { LATEST_SCHEMA_VERSION } from '../../src/main/core/catalog/open'
import { assertBuilt, runEarmark, startServe, stopServe } from '../helpers/cli'
import { tempDir } from '../helpers/temp'

beforeAll(assertBuilt)

describe('earmark CLI', () => {
  it('init then info --json prints the project as one JSON object', () => {
    const path = join(tempDir(), 'p.earmark')
    const init = runEarmark(['init', path, '--name', 'Frogs'])
    expect(init.code, init.stderr).toBe(0)
    expect(init.stdout).toMatch(/Created Frogs/)
    const info = runEarmark(['info', path, '--json'])
    expect(info.code, info.stderr).toBe(0)
    const lines = info.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toEqual({
      path,
      name: 'Frogs',
      schemaVersion: LATEST_SCHEMA_VERSION,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      multiLabel: false,
      classes: [],
      clipCount: 0,
      labeledClipCount: 0,
      missingClipCount: 0,
    })
  })

  it('init --json prints the new project', () => {
    const path = join(tempDir(), 'q.earmark')
    const init = runEarmark(['init', path, '--json'])
    expect(init.code).toBe(0)
    expect(JSON.parse(init.stdout)).toMatchObject({ path, name: 'q' })
  })

  it('fails with a clear message and exit 1 when the operation cannot be done', () => {
    const dir = tempDir()
    const existing = join(dir, 'taken.earmark')
    writeFileSync(existing, 'x')
    const again = runEarmark(['init', existing])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already exists/)

    const missing = runEarmark(['info', join(dir, 'nope.earmark')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/No project at/)

    const text = join(dir, 'text.earmark')
    writeFileSync(text, 'hello')
    const notProject = runEarmark(['info', text, '--json'])
    expect(notProject.code).toBe(1)
    expect(notProject.stderr).toMatch(/not an Earmark project/)
    expect(notProject.stdout).toBe('')
  })

  it('exits 2 on misuse: unknown command, missing argument, bad option value', () => {
    expect(runEarmark(['frobnicate']).code).toBe(2)
    expect(runEarmark(['info']).code).toBe(2)
    const badPort = runEarmark(['serve', '--port', 'eighty'])
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toMatch(/--port/)
    expect(runEarmark(['init', join(tempDir(), 'x.earmark'), '--name', '']).code).toBe(2)
  })

  it('serve uses the XDG data home for the default project and stops cleanly on SIGTERM', async () => {
    const dataHome = tempDir()
    const { url, child } = await startServe([], { XDG_DATA_HOME: dataHome })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    const info = runEarmark(['info', join(dataHome, 'earmark', 'default.earmark'), '--json'])
    expect(JSON.parse(info.stdout)).toMatchObject({ name: 'My project' })
    expect(await stopServe(child)).toBe(0)
  })
})
