/** Entry of the `earmark` command (bin/earmark.js loads the bundle of this file). */
import { EXIT_FAILED, runCli } from './program'

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = EXIT_FAILED
  },
)
