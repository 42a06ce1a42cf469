import { join } from 'node:path'
import { createDispatcher } from '../../src/main/core/api/dispatch'
import { createStudioService } from '../../src/main/core/service'
import { tempDir } from './temp'

/** A service on a fresh project in a temporary folder, with its dispatcher. */
export function testService() {
  const dir = tempDir()
  const projectPath = join(dir, 'test.earmark')
  const service = createStudioService({ version: '0.0.0-test', defaultProjectPath: projectPath })
  const errors: unknown[] = []
  const dispatch = createDispatcher(service.handlers, (_method, error) => errors.push(error))
  /** Calls a method as a transport would; a refusal throws with its code. */
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const result = await dispatch(method as never, input as never)
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code })
    return result.value as T
  }
  return { dir, projectPath, service, dispatch, errors, call }
}
