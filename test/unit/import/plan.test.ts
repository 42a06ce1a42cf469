import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { planImport, previewOf, screenPlan } from '../../../src/main/core/import/plan'
import { scanFolder } from '../../../src/main/core/import/scan'
import { tempDir } from '../../helpers/temp'
import { encodeWav, tone } from '../../helpers/wav-writer'

function tree(root: string, files: string[]): void {
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    writeFileSync(join(root, file), 'x')
  }
}

describe('scanFolder', () => {
  it('finds audio by extension, recursively, sorted, and ignores everything else', async () => {
    const root = tempDir()
    tree(root, ['b/2.WAV', 'b/1.flac', 'a/deep/er/3.mp3', 'a/x.ogg', 'a/y.opus', 'notes.txt', 'a/cover.jpg', 'z.oga'])
    const { files, problems } = await scanFolder(root)
    expect(files.map((f) => f.slice(root.length + 1))).toEqual([
      'a/deep/er/3.mp3',
      'a/x.ogg',
      'a/y.opus',
      'b/1.flac',
      'b/2.WAV',
      'z.oga',
    ])
    expect(problems).toEqual([])
  })

  it('follows links once, reporting a symlink loop and a broken link instead of hanging', async () => {
    const root = tempDir()
    tree(root, ['dog/a.wav'])
    symlinkSync(root, join(root, 'dog', 'loop'))
    symlinkSync(join(root, 'nowhere.wav'), join(root, 'dog', 'broken.wav'))
    const { files, problems } = await scanFolder(root)
    expect(files).toEqual([join(root, 'dog', 'a.wav')])
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: join(root, 'dog', 'loop'), reason: expect.stringMatching(/symlink loop/) },
        { path: join(root, 'dog', 'broken.wav'), reason: 'not found' },
      ]),
    )
  })

  it('reports an unreadable folder and goes on', async (context) => {
    if (process.getuid?.() === 0) context.skip() // root reads any folder, so permissions cannot be tested as root
    const { chmodSync } = await import('node:fs')
    const root = tempDir()
    tree(root, ['ok/a.wav', 'locked/b.wav'])
    chmodSync(join(root, 'locked'), 0o000)
    const { files, problems } = await scanFolder(root)
    chmodSync(join(root, 'locked'), 0o755)
    expect(files).toEqual([join(root, 'ok', 'a.wav')])
    expect(problems).toEqual([{ path: join(root, 'locked'), reason: 'permission denied' }])
  })

  it('says when the source is missing or not a folder', async () => {
    const root = tempDir()
    expect((await scanFolder(join(root, 'nope'))).problems).toEqual([{ path: join(root, 'nope'), reason: 'not found' }])
    tree(root, ['a.wav'])
    expect((await scanFolder(join(root, 'a.wav'))).problems[0]?.reason).toBe('not a folder')
  })
})

describe('planImport', () => {
  it('labels by parent folder; files at the top stay unlabeled', async () => {
    const root = tempDir()
    tree(root, ['dog/1.wav', 'dog/2.wav', 'cat/café 1.wav', 'loose.wav'])
    const plan = await planImport(root, { kind: 'folder' })
    expect(plan.layout).toBe('folder')
    expect(plan.rows.map((r) => [r.path.slice(root.length + 1), r.label])).toEqual([
      ['cat/café 1.wav', 'cat'],
      ['dog/1.wav', 'dog'],
      ['dog/2.wav', 'dog'],
      ['loose.wav', null],
    ])
    const preview = previewOf(plan, 2, 1)
    expect(preview).toMatchObject({
      total: 4,
      unlabeled: 1,
      alreadyInProject: 1,
      classes: [
        { name: 'cat', count: 1 },
        { name: 'dog', count: 2 },
      ],
    })
    expect(preview.rows).toHaveLength(2)
  })

  it('takes label, group, split and fold from named groups of a file-name pattern', async () => {
    const root = tempDir()
    tree(root, ['7_jackson_32.wav', '0_george_0.wav', 'README.wav', 'x_y_z_test.wav'])
    const plan = await planImport(root, {
      kind: 'pattern',
      pattern: '(?<label>\\d)_(?<group>[a-z]+)_(?<take>\\d+)\\.wav',
    })
    expect(plan.rows.map((r) => [r.label, r.group])).toEqual([
      ['0', 'george'],
      ['7', 'jackson'],
    ])
    expect(plan.problems.map((p) => p.reason)).toEqual([
      'file name does not match the pattern; not imported',
      'file name does not match the pattern; not imported',
    ])

    const withSplit = await planImport(root, {
      kind: 'pattern',
      pattern: '^(?<label>[^_]+)_.*_(?<split>[a-z]+)\\.wav$',
    })
    expect(withSplit.rows.map((r) => [r.label, r.split])).toEqual([['x', 'test']])
  })

  it('reads a generic CSV manifest, paths relative to it or absolute, and reports bad rows', async () => {
    const root = tempDir()
    tree(root, ['clips/a.wav', 'clips/b.wav', 'abs/c.wav'])
    writeFileSync(
      join(root, 'labels.csv'),
      [
        'path,label,group,split,fold',
        'clips/a.wav,dog,s1,train,1',
        `${join(root, 'abs', 'c.wav')},cat,s2,TEST,2`,
        'clips/b.wav,dog,s1,holdout,1',
        'clips/gone.wav,dog,s1,train,1',
        ',dog,,,',
      ].join('\n'),
    )
    const plan = await planImport(join(root, 'labels.csv'), { kind: 'csv' })
    expect(plan.layout).toBe('csv')
    expect(plan.rows).toEqual([
      { path: join(root, 'clips', 'a.wav'), label: 'dog', group: 's1', split: 'train', fold: 1 },
      { path: join(root, 'abs', 'c.wav'), label: 'cat', group: 's2', split: 'test', fold: 2 },
    ])
    expect(plan.problems.map((p) => p.reason)).toEqual([
      'line 4: split must be train, val or test, not "holdout"',
      'empty path',
      'listed in the manifest, but not found',
    ])
  })

  it('recognises ESC-50 by its header, with official folds and source recordings as groups', async () => {
    const root = tempDir()
    tree(root, ['audio/1-100032-A-0.wav', 'audio/1-100038-A-14.wav'])
    mkdirSync(join(root, 'meta'))
    writeFileSync(
      join(root, 'meta', 'esc50.csv'),
      'filename,fold,target,category,esc10,src_file,take\n' +
        '1-100032-A-0.wav,1,0,dog,True,100032,A\n' +
        '1-100038-A-14.wav,1,14,chirping_birds,False,100038,A\n',
    )
    const plan = await planImport(root, { kind: 'csv' }) // the dataset folder is enough
    expect(plan.layout).toBe('esc50')
    expect(plan.rows).toEqual([
      { path: join(root, 'audio', '1-100032-A-0.wav'), label: 'dog', group: '100032', split: null, fold: 1 },
      {
        path: join(root, 'audio', '1-100038-A-14.wav'),
        label: 'chirping_birds',
        group: '100038',
        split: null,
        fold: 1,
      },
    ])
  })

  it('recognises UrbanSound8K by its header, with audio under fold folders', async () => {
    const root = tempDir()
    tree(root, ['audio/fold5/100032-3-0-0.wav'])
    mkdirSync(join(root, 'metadata'))
    writeFileSync(
      join(root, 'metadata', 'UrbanSound8K.csv'),
      'slice_file_name,fsID,start,end,salience,fold,classID,class\n100032-3-0-0.wav,100032,0.0,0.317551,1,5,3,dog_bark\n',
    )
    const plan = await planImport(join(root, 'metadata', 'UrbanSound8K.csv'), { kind: 'csv' })
    expect(plan.layout).toBe('urbansound8k')
    expect(plan.rows).toEqual([
      {
        path: join(root, 'audio', 'fold5', '100032-3-0-0.wav'),
        label: 'dog_bark',
        group: '100032',
        split: null,
        fold: 5,
      },
    ])
  })

  it('refuses a source that is not there, and a CSV without a path column', async () => {
    const root = tempDir()
    await expect(planImport(join(root, 'missing'), { kind: 'folder' })).rejects.toThrow(/not found/)
    writeFileSync(join(root, 'bad.csv'), 'file,label\na.wav,dog\n')
    await expect(planImport(join(root, 'bad.csv'), { kind: 'csv' })).rejects.toThrow(/no "path" column/)
    await expect(planImport(root, { kind: 'csv' })).rejects.toThrow(/No manifest/)
  })

  it('names empty and non-audio files before anything is written, and counts only what will import', async () => {
    const root = tempDir()
    mkdirSync(join(root, 'dog'))
    writeFileSync(join(root, 'dog', 'good.wav'), encodeWav([tone(0.05, 8000)], 8000))
    writeFileSync(join(root, 'dog', 'empty.wav'), '')
    writeFileSync(join(root, 'dog', 'notes.wav'), 'recorded in the garden, 6 am\n')
    writeFileSync(join(root, 'dog', 'cut.wav'), 'RIFF')
    const plan = await screenPlan(await planImport(root, { kind: 'folder' }))
    expect(plan.rows.map((r) => r.path)).toEqual([join(root, 'dog', 'good.wav')])
    expect(plan.problems).toEqual([
      { path: join(root, 'dog', 'cut.wav'), reason: expect.stringMatching(/truncated header/) },
      { path: join(root, 'dog', 'empty.wav'), reason: 'empty file (0 bytes)' },
      { path: join(root, 'dog', 'notes.wav'), reason: 'not audio: the file is text' },
    ])
    const preview = previewOf(plan, 10, 0)
    expect(preview.total).toBe(1)
    expect(preview.problems).toHaveLength(3)
  })
})
