import { join } from 'node:path'
import { createDispatcher, type ErrorLogger } from '../../src/main/core/api/dispatch'
import { createStudioService, type StudioService } from '../../src/main/core/service'
import { tempDir } from './temp'

/** Calls a method as a transport would; a refusal throws with its code. */
export type ServiceCall = <T>(method: string, input: unknown) => Promise<T>

/**
 * A service on the project at `projectPath` (created on first use), with its dispatcher. The
 * caller owns the folder and closes the service: for projects that outlive one test.
 */
export function serviceOn(projectPath: string, logError?: ErrorLogger) {
  const service = createStudioService({ version: '0.0.0-test', defaultProjectPath: projectPath })
  const dispatch = createDispatcher(service.handlers, logError)
  const call: ServiceCall = async <T>(method: string, input: unknown): Promise<T> => {
    const result = await dispatch(method as never, input as never)
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code })
    return result.value as T
  }
  return { service, dispatch, call }
}

/** A service on a fresh project in a temporary folder, with its dispatcher. */
export function testService() {
  const dir = tempDir()
  const projectPath = join(dir, 'test.earmark')
  const errors: unknown[] = []
  const { service, dispatch, call } = serviceOn(projectPath, (_method, error) => errors.push(error))
  return { dir, projectPath, service, dispatch, errors, call }
}

/** The result of a job once it has ended; a job that failed or was cancelled throws with its error. */
export async function jobResult<T>(
  t: { service: StudioService; call: ServiceCall },
  job: { id: number; kind?: string },
): Promise<T> {
  const ended = await t.service.jobs.wait(job.id)
  if (ended.state !== 'done') throw new Error(`job ${job.kind ?? job.id} ${ended.state}: ${ended.error ?? ''}`)
  return (await t.call<{ result: T }>('jobs:get', { id: job.id })).result
}
