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
  return { dir, projectPath, service, dispatch, errors }
}
