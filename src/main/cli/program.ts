/**
 * The `earmark` command line: each command is a thin call into the same service the studio uses.
 * Exit codes: 0 done, 1 the operation failed (the message says why), 2 the command was misused.
 */
import { Command, CommanderError } from 'commander'
import { ApiCallError } from '@shared/result'
import { registerBackup } from './commands/backup'
import { registerImport } from './commands/import'
import { registerInfo } from './commands/info'
import { registerInit } from './commands/init'
import { registerLabels } from './commands/labels'
import { registerRescan } from './commands/rescan'
import { registerServe } from './commands/serve'
import { registerExport } from './commands/export'
import { registerEmbed, registerHead } from './commands/embed'
import { registerEvaluate } from './commands/evaluate'
import { registerFeatures } from './commands/features'
import { registerPredict } from './commands/predict'
import { registerDetect } from './commands/detect'
import { registerRuns } from './commands/runs'
import { registerTrain } from './commands/train'
import { registerSweep } from './commands/sweep'
import { registerSplit } from './commands/split'
import { VERSION } from './context'
import { guardConsole } from './output'

/** Exit code for a failed operation. */
export const EXIT_FAILED = 1
/** Exit code for a misused command (unknown command, bad option). */
const EXIT_USAGE = 2

/** Builds the program; exported so tests can run commands in-process. */
function buildProgram(): Command {
  const program = new Command()
    .name('earmark')
    .description('Earmark: label audio clips, train classifiers, find where the model is wrong.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run "earmark --help" for usage)')
  registerInit(program)
  registerInfo(program)
  registerImport(program)
  registerRescan(program)
  registerLabels(program)
  registerServe(program)
  registerBackup(program)
  registerTrain(program)
  registerRuns(program)
  registerPredict(program)
  registerDetect(program)
  registerExport(program)
  registerEvaluate(program)
  registerFeatures(program)
  registerSweep(program)
  registerSplit(program)
  registerEmbed(program)
  registerHead(program)
  return program
}

/** Runs the CLI with the given arguments (without `node` and the script); resolves to an exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const restoreConsole = guardConsole()
  try {
    await buildProgram().parseAsync(argv, { from: 'user' })
    // A command that finished but failed at its job (e.g. nothing importable) set exitCode.
    return Number(process.exitCode ?? 0)
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit "successfully"; anything else is a usage error.
      return error.exitCode === 0 ? 0 : EXIT_USAGE
    }
    if (error instanceof ApiCallError) {
      console.error(`earmark: ${error.message}`)
      return error.code === 'invalid-input' ? EXIT_USAGE : EXIT_FAILED
    }
    console.error(`earmark: ${error instanceof Error ? error.message : String(error)}`)
    return EXIT_FAILED
  } finally {
    restoreConsole()
  }
}
