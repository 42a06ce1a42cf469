/**
 * Decode throughput against Python's soundfile (libsndfile, what librosa.load uses) on the same
 * files, one thread each, in the same run: Earmark's decodeAudio, best of 3 passes, between two
 * soundfile runs (best of 3 passes each; the better run counts), since the machine is shared.
 *
 * Ratio keys: `short` is fsdd-dev (1,500 short 8 kHz PCM WAVs); `long` one 10-minute 48 kHz
 * stereo 24-bit WAV, as long field recordings are; `flac` and `mp3` the same recording encoded
 * by ffmpeg at bench time (24-bit FLAC; 192 kbit/s MP3, which libsndfile decodes with mpg123).
 * The recording is a tone under noise, so FLAC compresses it as it would a recording, not a
 * pure tone.
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

interface Timed {
  seconds: number
  audioSeconds: number
}

async function decodeAll(paths: string[]): Promise<Timed> {
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

interface Soundfile extends Timed {
  soundfile: string
  libsndfile: string
}

function soundfile(paths: string[], flags: string[] = []): Soundfile | null {
  const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'python', 'decode_soundfile.py'), ...flags], {
    input: paths.join('\n'),
    encoding: 'utf8',
  })
  if (run.status !== 0) {
    console.log(`soundfile: not measured (${run.stderr.trim().split('\n').pop() ?? 'python3 failed'})`)
    return null
  }
  return JSON.parse(run.stdout) as Soundfile
}

/** soundfile before and after Earmark; the faster run is soundfile at its best on this machine. */
async function sideBySide(paths: string[]): Promise<{ ours: Timed; theirs: Soundfile | null }> {
  const before = soundfile(paths)
  const ours = await decodeAll(paths)
  const after = soundfile(paths)
  const runs = [before, after].filter((r): r is Soundfile => r !== null)
  const theirs = runs.length === 0 ? null : runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
  return { ours, theirs }
}

const figures: Record<string, number> = {}
const ratios: Record<string, number | null> = {}
let reference: string | null = null

/** Measures one set of files, prints it and keeps its figures and ratio under `key`. */
async function measure(key: string, label: string, paths: string[]): Promise<void> {
  const { ours, theirs } = await sideBySide(paths)
  const n = paths.length
  const rate = (s: number) => `${(n / s).toFixed(n > 1 ? 0 : 2)} files/s`
  console.log(
    `${label}: earmark ${rate(ours.seconds)} (${(ours.audioSeconds / ours.seconds).toFixed(0)} audio-s/s)` +
      (theirs ? `, soundfile ${rate(theirs.seconds)}, ratio ${(theirs.seconds / ours.seconds).toFixed(2)}x` : ''),
  )
  figures[`${key}EarmarkAudioSecondsPerSecond`] = ours.audioSeconds / ours.seconds
  if (theirs) {
    figures[`${key}SoundfileAudioSecondsPerSecond`] = ours.audioSeconds / theirs.seconds
    reference = `soundfile ${theirs.soundfile} (libsndfile ${theirs.libsndfile}, Debian), 1 thread`
  }
  ratios[key] = ratio(n / ours.seconds, theirs ? n / theirs.seconds : null)
}

/**
 * One channel of ten minutes at 48 kHz: a 440 Hz tone under seeded white noise (-26 dBFS), the
 * same on every run; channels with different seeds differ as a stereo recording's do.
 */
function recording(seed: number): Float32Array {
  const minute = tone(60, 48000, 440, 0.3)
  const out = new Float32Array(minute.length * 10)
  let state = seed
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out[i] = (minute[i % minute.length] as number) + 0.05 * (state / 2 ** 31 - 1)
  }
  return out
}

/** Encodes `wav` with ffmpeg; false (and a printed reason) when ffmpeg is missing or fails. */
function ffmpeg(wav: string, out: string, codec: string[]): boolean {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', wav, ...codec, out], { encoding: 'utf8' })
  if (run.status === 0) return true
  console.log(`${out}: not encoded (${run.error?.message ?? run.stderr.trim().split('\n').pop()})`)
  return false
}

await measure('short', `fsdd-dev, ${files.length} files`, files)

const dir = mkdtempSync(join(tmpdir(), 'earmark-decode-'))
try {
  const wav = join(dir, 'ten-minutes-stereo.wav')
  writeFileSync(wav, encodeWav([recording(1), recording(2)], 48000, 'pcm24'))
  await measure('long', '10 min 48 kHz stereo 24-bit WAV', [wav])
  // numpy asks for transparent huge pages; Node's ArrayBuffers cannot. Most of what separates the
  // two on this file is faulting in the 230 MB of output, which this figure shows.
  const smallPages = soundfile([wav], ['--small-pages'])
  if (smallPages) {
    figures['longSoundfileSmallPagesAudioSecondsPerSecond'] = smallPages.audioSeconds / smallPages.seconds
    console.log(`  soundfile with numpy's huge pages off: ${(1 / smallPages.seconds).toFixed(2)} files/s`)
  }
  const flac = join(dir, 'ten-minutes-stereo.flac')
  if (ffmpeg(wav, flac, ['-c:a', 'flac'])) await measure('flac', 'the same as 24-bit FLAC', [flac])
  else ratios['flac'] = null
  const mp3 = join(dir, 'ten-minutes-stereo.mp3')
  if (ffmpeg(wav, mp3, ['-c:a', 'libmp3lame', '-b:a', '192k']))
    await measure('mp3', 'the same as 192 kbit/s MP3', [mp3])
  else ratios['mp3'] = null
} finally {
  rmSync(dir, { recursive: true, force: true })
}
await finish('decode', {
  machine: {
    engine: `Earmark's decodeAudio (TypeScript; FLAC and MP3 through @audio/decode-* WebAssembly) on Node ${process.version}`,
    reference,
    parallelism: 'one thread each, one after the other; best of 3 passes each, soundfile run before and after Earmark',
  },
  figures,
  ratios,
})
