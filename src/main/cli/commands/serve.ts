import { isIP } from 'node:net'
import { InvalidArgumentError, type Command } from 'commander'
import { createDispatcher } from '../../core/api/dispatch'
import { isLoopbackAddress } from '../../server/auth'
import { startServer } from '../../server/server'
import { cliContext, rendererDir } from '../context'

/** `earmark serve [PROJECT]`: the studio in any browser, on loopback, behind a per-run token. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the studio on 127.0.0.1 for a browser (headless mode)')
    .argument('[project]', 'project file to open (default: your default project)')
    .option('--port <port>', 'port to listen on (default: a free one)', parsePort, 0)
    .option(
      '--host <address>',
      'address to listen on (default 127.0.0.1; 0.0.0.0 exposes the studio to your network)',
      parseHost,
      '127.0.0.1',
    )
    .action(async (project: string | undefined, opts: { port: number; host: string }) => {
      if (!isLoopbackAddress(opts.host)) {
        console.error(
          `earmark: warning: listening on ${opts.host} makes the studio reachable from other machines. ` +
            'Anyone who learns the token can read and change this project; share it only on a network you trust.',
        )
      }
      const { service, call } = cliContext(project)
      const summary = await call('project:get', {}) // fail now, not in the browser, if it cannot open
      const server = await startServer({
        dispatch: createDispatcher(service.handlers),
        events: service.events,
        media: service.media,
        rendererDir: rendererDir(),
        port: opts.port,
        host: opts.host,
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

function parseHost(value: string): string {
  if (isIP(value) === 0 && value !== 'localhost') {
    throw new InvalidArgumentError(`must be an IP address or "localhost", not "${value}".`)
  }
  return value
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`must be a whole number from 0 to 65535, not "${value}".`)
  }
  return port
}
