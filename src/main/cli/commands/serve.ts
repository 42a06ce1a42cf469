import { InvalidArgumentError, type Command } from 'commander'
import { createDispatcher } from '../../core/api/dispatch'
import { startServer } from '../../server/server'
import { cliContext, rendererDir } from '../context'

/** `earmark serve [PROJECT]`: the studio in any browser, on loopback, behind a per-run token. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the studio on 127.0.0.1 for a browser (headless mode)')
    .argument('[project]', 'project file to open (default: your default project)')
    .option('--port <port>', 'port to listen on (default: a free one)', parsePort, 0)
    .action(async (project: string | undefined, opts: { port: number }) => {
      const { service, call } = cliContext(project)
      const summary = await call('project:get', {}) // fail now, not in the browser, if it cannot open
      const server = await startServer({
        dispatch: createDispatcher(service.handlers),
        events: service.events,
        media: service.media,
        rendererDir: rendererDir(),
        port: opts.port,
      })
      console.log(`Earmark is serving "${summary.name}" (${summary.path})`)
      console.log(`Open in your browser:\n    ${server.url}`)
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      await server.close()
      await service.close()
    })
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`must be a whole number from 0 to 65535, not "${value}".`)
  }
  return port
}
