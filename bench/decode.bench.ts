/**
 * Decode throughput on fsdd-dev (1,500 short 8 kHz PCM WAVs): Earmark's decodeAudio against
 * Python's soundfile (libsndfile) on the same files, one thread each, best of 3, same run.
 * Goal: at least as fast as soundfile. Also decodes one long WAV to show the block reader's cost.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeAudio } from '../src/main/core/audio'
import { encodeWav, tone } from '../test/helpers/wav-writer'

const fsdd = join(import.meta.dirname, '..', 'test', 'data', 'fsdd-dev')
const files = readdirSync(fsdd)
  .filter((f) => f.endsWith('.wav'))
  .map((f) => join(fsdd, f))

async function decodeAll(paths: string[]): Promise<{ seconds: number; audioSeconds: number }> {
  let best = Infinity
  let audioSeconds = 0
  for (let run = 0; run < 3; run++) {
    audioSeconds = 0
    const start = performance.now()
    for (const path of paths) {
      const audio = await decodeAudio(path)
      audioSeconds += (audio.channels[0]?.length ?? 0) / audio.sampleRate
    }
    best = Math.min(best, (performance.now() - start) / 1000)
  }
  return { seconds: best, audioSeconds }
}

function soundfile(paths: string[]): { seconds: number } | null {
  const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'python', 'decode_soundfile.py')], {
    input: paths.join('\n'),
    encoding: 'utf8',
  })
  if (run.status !== 0) {
    console.log(`soundfile: not measured (${run.stderr.trim().split('\n').pop() ?? 'python3 failed'})`)
    return null
  }
  return JSON.parse(run.stdout) as { seconds: number }
}

function report(
  label: string,
  n: number,
  ours: { seconds: number; audioSeconds: number },
  theirs: { seconds: number } | null,
) {
  const rate = (s: number) => `${(n / s).toFixed(0)} files/s`
  console.log(
    `${label}: earmark ${rate(ours.seconds)} (${(ours.audioSeconds / ours.seconds).toFixed(0)} audio-s/s)` +
      (theirs ? `, soundfile ${rate(theirs.seconds)}, ratio ${(theirs.seconds / ours.seconds).toFixed(2)}x` : ''),
  )
}

report(`fsdd-dev, ${files.length} files`, files.length, await decodeAll(files), soundfile(files))

const dir = mkdtempSync(join(tmpdir(), 'earmark-decode-'))
try {
  const long = join(dir, 'ten-minutes-stereo.wav')
  const minute = tone(60, 48000, 440, 0.3)
  const channel = new Float32Array(minute.length * 10)
  for (let m = 0; m < 10; m++) channel.set(minute, m * minute.length)
  writeFileSync(long, encodeWav([channel, channel], 48000, 'pcm24'))
  report('10 min 48 kHz stereo 24-bit WAV', 1, await decodeAll([long]), soundfile([long]))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
