import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pkg from '../../../package.json' with { type: 'json' }
import { createDispatcher } from '../core/api/dispatch'
import { defaultDataDir, defaultProjectPath } from '../core/paths'
import { createStudioService, type StudioService } from '../core/service'
import { ApiCallError } from '@shared/result'
import type { MethodInput, MethodName, MethodResult } from '@shared/contract'

/** Earmark's version, from package.json. */
export const VERSION = pkg.version

/** The built renderer, beside this bundle in out/. */
export const rendererDir = (): string => join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer')

/** A service for one CLI command, bound to a project (or the default one). */
export interface CliContext {
  service: StudioService
  /** Calls the API exactly as the studio does: validated, errors as ApiCallError. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>>
}

/** Builds the service for the CLI, with the XDG data home as the default project's folder. */
export function cliContext(projectPath?: string): CliContext {
  const service = createStudioService({
    version: VERSION,
    defaultProjectPath: defaultProjectPath(defaultDataDir(process.env, process.platform, homedir())),
    ...(projectPath === undefined ? {} : { projectPath }),
  })
  const dispatch = createDispatcher(service.handlers)
  return {
    service,
    async call(method, input) {
      const result = await dispatch(method, input)
      if (!result.ok) throw new ApiCallError(result.error)
      return result.value as never
    },
  }
}
