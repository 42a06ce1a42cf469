/**
 * Decode throughput on fsdd-dev (1,500 short 8 kHz PCM WAVs): Earmark's decodeAudio against
 * Python's soundfile (libsndfile) on the same files, one thread each, best of 3 passes, same run.
 * Goal: at least as fast as soundfile. Also decodes one long WAV (10 minutes, 48 kHz stereo
 * 24-bit) the same way, to show the block reader's cost.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeAudio } from '../src/main/core/audio'
import { encodeWav, tone } from '../test/helpers/wav-writer'
import { finish, ratio } from './report'

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

interface Soundfile {
  seconds: number
  soundfile: string
  libsndfile: string
}

function soundfile(paths: string[]): Soundfile | null {
  const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'python', 'decode_soundfile.py')], {
    input: paths.join('\n'),
    encoding: 'utf8',
  })
  if (run.status !== 0) {
    console.log(`soundfile: not measured (${run.stderr.trim().split('\n').pop() ?? 'python3 failed'})`)
    return null
  }
  return JSON.parse(run.stdout) as Soundfile
}

function report(
  label: string,
  n: number,
  ours: { seconds: number; audioSeconds: number },
  theirs: Soundfile | null,
): void {
  const rate = (s: number) => `${(n / s).toFixed(0)} files/s`
  console.log(
    `${label}: earmark ${rate(ours.seconds)} (${(ours.audioSeconds / ours.seconds).toFixed(0)} audio-s/s)` +
      (theirs ? `, soundfile ${rate(theirs.seconds)}, ratio ${(theirs.seconds / ours.seconds).toFixed(2)}x` : ''),
  )
}

const figures: Record<string, number> = {}
const ratios: Record<string, number | null> = {}
let reference: string | null = null
/** Reports one set of files and keeps its figures under `key`. */
function measured(
  key: string,
  label: string,
  n: number,
  ours: { seconds: number; audioSeconds: number },
  theirs: Soundfile | null,
): void {
  report(label, n, ours, theirs)
  figures[`${key}EarmarkFilesPerSecond`] = n / ours.seconds
  figures[`${key}EarmarkAudioSecondsPerSecond`] = ours.audioSeconds / ours.seconds
  if (theirs) {
    figures[`${key}SoundfileFilesPerSecond`] = n / theirs.seconds
    figures[`${key}SoundfileAudioSecondsPerSecond`] = ours.audioSeconds / theirs.seconds
    reference = `soundfile ${theirs.soundfile} (libsndfile ${theirs.libsndfile}, Debian), 1 thread`
  }
  ratios[key] = ratio(n / ours.seconds, theirs ? n / theirs.seconds : null)
}

measured('fsdd', `fsdd-dev, ${files.length} files`, files.length, await decodeAll(files), soundfile(files))

const dir = mkdtempSync(join(tmpdir(), 'earmark-decode-'))
try {
  const long = join(dir, 'ten-minutes-stereo.wav')
  const minute = tone(60, 48000, 440, 0.3)
  const channel = new Float32Array(minute.length * 10)
  for (let m = 0; m < 10; m++) channel.set(minute, m * minute.length)
  writeFileSync(long, encodeWav([channel, channel], 48000, 'pcm24'))
  measured('longWav', '10 min 48 kHz stereo 24-bit WAV', 1, await decodeAll([long]), soundfile([long]))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
await finish('decode', {
  machine: {
    engine: `Earmark's decodeAudio (TypeScript) on Node ${process.version}`,
    reference,
    parallelism: 'one thread each, one after the other; best of 3 passes each',
  },
  figures,
  ratios,
})
