// A label import beside another writer (the studio labeling while `earmark labels import` runs)
// waits its turn instead of failing as busy. A transaction that reads before it writes, begun
// DEFERRED, takes a read snapshot; when another connection commits first, SQLite cannot upgrade
// it to a writer and answers SQLITE_BUSY at once, without waiting out the busy timeout.
import { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { importLabels } from '../../../src/main/core/interchange'
import { seededCatalog, type SeededCatalog } from '../../helpers/catalog'

/** Another connection to the same file writing notes as fast as it can, until told to stop. */
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require('better-sqlite3')
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
const write = db.prepare('UPDATE clips SET note = ? WHERE id = ?')
let stop = false
let writes = 0
parentPort.on('message', () => (stop = true))
const loop = () => {
  for (let i = 0; i < 20; i++) write.run('n' + writes++, workerData.clipId)
  if (stop) {
    db.close()
    parentPort.postMessage(writes)
  } else setImmediate(loop)
}
parentPort.postMessage('started')
loop()
`

let seeded: SeededCatalog | undefined
afterEach(() => seeded?.catalog.close())

describe('label import beside another writer', () => {
  it('never fails as busy while another connection keeps writing', async () => {
    seeded = seededCatalog(['a', 'b'], 40)
    const { db, catalog, clipIds } = seeded
    const worker = new Worker(WRITER, { eval: true, workerData: { path: catalog.path, clipId: clipIds[0] } })
    await new Promise((resolve) => worker.once('message', resolve))
    const csv = ['path,label', ...Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(3, '0')}.wav,a`)]
    const failures: string[] = []
    let imports = 0
    const until = Date.now() + 1500
    while (Date.now() < until) {
      try {
        const summary = importLabels(db, 'csv', [{ name: 'labels.csv', text: csv.join('\n') }], {
          author: 'test',
          now: new Date(),
        })
        expect(summary.clipsLabelled).toBe(40)
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error))
      }
      imports++
      // Let the writer's commits land between imports.
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    worker.postMessage('stop')
    const writes = (await new Promise((resolve) => worker.once('message', resolve))) as number
    await worker.terminate()
    expect(writes).toBeGreaterThan(100)
    expect(imports).toBeGreaterThan(10)
    expect(failures).toEqual([])
  })
})
