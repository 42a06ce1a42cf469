import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeWav, tone } from './wav-writer'

/** Whether ffmpeg is on PATH (.ci/run installs it); compressed fixtures need it. */
export const hasFfmpeg = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

function ffmpeg(input: string, output: string, args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', input, ...args, output], { stdio: 'pipe' })
}

export interface AudioFixtures {
  root: string
  /** The 44.1 kHz WAV the compressed files were encoded from (outside root, so it is not imported). */
  source: string
  /** Files that must import, by label folder. */
  good: Record<string, string[]>
  /** Files that must be reported, with the words their reason must contain. */
  bad: Record<string, RegExp>
  /** Files that import with a warning. */
  warned: Record<string, RegExp>
}

/**
 * A small dataset on disk: good files of every supported encoding in label folders `high` and
 * `low` (including a name with a space and an accent), and bad files in `bad/` that must each be
 * reported with a clear reason while the rest imports.
 */
export function makeAudioFixtures(root: string): AudioFixtures {
  const high = join(root, 'high')
  const low = join(root, 'low')
  const bad = join(root, 'bad')
  for (const dir of [high, low, bad]) mkdirSync(dir, { recursive: true })
  const rate = 16000
  const a = tone(0.5, rate, 880)
  const b = tone(0.5, rate, 220)
  const write = (path: string, bytes: Buffer): string => {
    writeFileSync(path, bytes)
    return path
  }
  const good: Record<string, string[]> = {
    high: [
      write(join(high, 'tone café 1.wav'), encodeWav([a], rate, 'pcm16')),
      write(join(high, 'pcm8.wav'), encodeWav([a], rate, 'pcm8')),
      write(join(high, 'pcm24.wav'), encodeWav([a], rate, 'pcm24')),
      write(join(high, 'pcm32.wav'), encodeWav([a], rate, 'pcm32', { extraChunk: true })),
      write(join(high, 'float32.wav'), encodeWav([a], 22050, 'float32')),
      write(join(high, 'float64.wav'), encodeWav([a], rate, 'float64')),
    ],
    low: [
      write(join(low, 'stereo.wav'), encodeWav([b, a], 44100, 'pcm16')),
      write(join(low, 'six-channels.wav'), encodeWav([b, b, b, a, a, a], rate, 'pcm24', { extensible: true })),
    ],
  }
  const truncated = encodeWav([tone(1, rate, 330)], rate, 'pcm16')
  write(join(low, 'truncated.wav'), truncated.subarray(0, 44 + rate))
  good.low?.push(join(low, 'truncated.wav'))

  if (hasFfmpeg) {
    const source = `${root}-source.wav`
    writeFileSync(source, encodeWav([b], 44100, 'pcm16'))
    const compressed: [string, string[]][] = [
      ['tone.flac', ['-c:a', 'flac']],
      ['tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '96k']],
      ['tone.ogg', ['-c:a', 'libvorbis']],
      ['tone.opus', ['-c:a', 'libopus', '-b:a', '48k']],
    ]
    for (const [name, args] of compressed) {
      ffmpeg(source, join(low, name), args)
      good.low?.push(join(low, name))
    }
    ffmpeg(source, join(bad, 'adpcm.wav'), ['-c:a', 'adpcm_ima_wav'])
  }

  const header = encodeWav([a], rate, 'pcm16')
  const zeroChannels = Buffer.from(header)
  zeroChannels.writeUInt16LE(0, 22)
  const absurdRate = Buffer.from(header)
  absurdRate.writeUInt32LE(4_000_000_000, 24)
  const corruptMp3 = Buffer.alloc(20000)
  for (let i = 0; i < corruptMp3.length; i++) corruptMp3[i] = (i * 7919 + 13) % 251
  corruptMp3.set([0xff, 0xfb, 0x90, 0x64], 0)
  const files: [string, Uint8Array | string, RegExp][] = [
    ['empty.wav', new Uint8Array(0), /empty file/],
    ['notes.wav', 'label,path\nyes,a.wav\n'.repeat(20), /not audio: the file is text/],
    ['header-only.wav', header.subarray(0, 20), /truncated header/],
    ['zero-channels.wav', zeroChannels, /zero audio channels/],
    ['absurd-rate.wav', absurdRate, /implausible sample rate/],
    ['corrupt.mp3', corruptMp3, /corrupt MP3|no audio/],
    ['junk.ogg', Buffer.concat([Buffer.from('OggS'), Buffer.alloc(200, 7)]), /Ogg/],
  ]
  const badReasons: Record<string, RegExp> = {}
  for (const [name, bytes, reason] of files) {
    writeFileSync(join(bad, name), bytes)
    badReasons[join(bad, name)] = reason
  }
  if (hasFfmpeg) badReasons[join(bad, 'adpcm.wav')] = /unsupported codec: IMA ADPCM/
  return {
    root,
    source: `${root}-source.wav`,
    good,
    bad: badReasons,
    warned: { [join(low, 'truncated.wav')]: /truncated/ },
  }
}
