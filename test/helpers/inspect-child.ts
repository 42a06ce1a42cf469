// A child process for the audio limit tests (test/integration/reliability-audio-limits.test.ts):
// inspects the files it is given at once, as an import's workers do, then prints one JSON line with
// each outcome, the wall time and the process's peak resident memory, which only a process of its
// own can measure apart from the test runner's.
import { inspectFile } from '../../src/main/core/import/inspect'

const started = performance.now()
const outcomes = await Promise.all(
  process.argv.slice(2).map(async (path) => {
    try {
      const inspection = await inspectFile(path)
      return { path, duration: inspection.duration, warnings: inspection.warnings }
    } catch (error) {
      return { path, reason: error instanceof Error ? error.message : String(error) }
    }
  }),
)
const seconds = (performance.now() - started) / 1000
// maxRSS is in kilobytes.
console.log(JSON.stringify({ outcomes, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
