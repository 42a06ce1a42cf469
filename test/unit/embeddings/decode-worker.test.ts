// Recordings to embed are untrusted files: the embed job and search decode them in the audio
// worker. Here decoding in this thread fails outright, so the job (and a search from an outside
// file) can only succeed by decoding elsewhere; a file that is not audio costs that file alone.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { openCatalog } from '../../../src/main/core/catalog/open'
import { embedProject } from '../../../src/main/core/embeddings/embed'
import { searchEmbeddings } from '../../../src/main/core/embeddings/search'
import { writeProjectionOnnx } from '../../helpers/onnx-models'
import { tempDir } from '../../helpers/temp'
import { encodeWav } from '../../helpers/wav-writer'

vi.mock('../../../src/main/core/audio', async (original) => ({
  ...(await original<typeof import('../../../src/main/core/audio')>()),
  loadAudio: () => Promise.reject(new Error('a recording was decoded in the main thread')),
}))

describe('decoding recordings to embed', () => {
  it('happens in the audio worker: the job embeds, a file that is not audio is skipped with why', async () => {
    const dir = tempDir()
    const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
    const clip = (name: string, hash: string, bytes: Buffer) => {
      const path = join(dir, name)
      writeFileSync(path, bytes)
      insertClip(catalog.db, {
        path,
        contentHash: hash,
        duration: 0.5,
        sampleRate: 16000,
        channels: 1,
        size: 0,
        codec: 'pcm',
      })
      return path
    }
    const tone = Float32Array.from({ length: 8000 }, (_, t) => 0.5 * Math.sin((2 * Math.PI * 440 * t) / 16000))
    const good = clip('tone.wav', 'tone', encodeWav([tone], 16000))
    clip('broken.wav', 'broken', Buffer.from('RIFF this is not a wave file at all'))
    const onnx = writeProjectionOnnx(
      join(dir, 'p.onnx'),
      8000,
      4,
      Float32Array.from({ length: 32000 }, (_, i) => Math.sin(i)),
    )
    const logs: string[] = []
    const summary = await embedProject(
      catalog.db,
      { base: onnx },
      { signal: new AbortController().signal, progress: () => undefined, log: (_, m) => void logs.push(m) },
    )
    expect(summary.computed).toBe(1)
    expect(summary.failed.map((f) => f.path)).toEqual([join(dir, 'broken.wav')])
    expect(summary.failed[0]?.reason).not.toMatch(/main thread/)
    // A search from an outside file decodes it in the worker too.
    const answer = await searchEmbeddings(catalog.db, { file: good }, { top: 1 })
    expect(answer.results[0]?.path).toBe(good)
    expect(answer.results[0]?.score).toBeCloseTo(1, 5)
    catalog.close()
  })
})
