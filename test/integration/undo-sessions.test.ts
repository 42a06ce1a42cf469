// Undo takes back only what this studio process did: with two processes on one project (the
// desktop studio and `earmark serve`, or two servers), one's undo never reverts the other's edit.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, startServe, stopServe } from '../helpers/cli'
import { importedFsddProject } from '../helpers/fsdd'
import { apiCaller } from '../helpers/http'

let dir: string
let project: string

beforeAll(() => {
  assertBuilt()
  dir = mkdtempSync(join(tmpdir(), 'earmark-undo-'))
  project = importedFsddProject(dir, 2)
}, 60_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('undo with two processes on one project', () => {
  it('undoes this process’s edit and leaves the other process’s alone', async () => {
    const [a, b] = await Promise.all([startServe([project]), startServe([project])])
    try {
      const [callA, callB] = [apiCaller(a.url), apiCaller(b.url)]
      const json = async (res: Promise<Response>) => {
        const body = (await (await res).json()) as { ok: boolean; value: unknown }
        expect(body.ok, JSON.stringify(body)).toBe(true)
        return body.value as Record<string, unknown>
      }
      const page = await json(callA('clips:query', {}))
      const [first, second] = (page['rows'] as { id: number }[]).map((c) => c.id)
      await json(callA('labels:note', { clipId: first, note: 'written by A' }))
      await json(callB('labels:note', { clipId: second, note: 'written by B' }))

      // A's undo takes back A's note, though B's edit is the newest in the project.
      const undone = await json(callA('edits:undo', {}))
      expect(undone['edit']).toMatchObject({ clipId: first })
      // Nothing of A's is left to undo; B's note stands.
      expect(await json(callA('edits:undo', {}))).toMatchObject({ edit: null, canUndo: false })
      expect(await json(callA('clips:get', { id: second }))).toMatchObject({ note: 'written by B' })
      expect(await json(callA('clips:get', { id: first }))).toMatchObject({ note: '' })
      // B still undoes its own.
      expect((await json(callB('edits:undo', {})))['edit']).toMatchObject({ clipId: second })
      expect(await json(callB('clips:get', { id: second }))).toMatchObject({ note: '' })
    } finally {
      await Promise.all([stopServe(a.child), stopServe(b.child)])
    }
  }, 60_000)
})
