import { join } from 'node:path'

/** Where a platform keeps per-user application data, per its conventions (XDG on Linux). */
export function defaultDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'earmark')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'earmark')
  const xdg = env['XDG_DATA_HOME']
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.local', 'share'), 'earmark')
}

/** The project file opened when the user names none. */
export const defaultProjectPath = (dataDir: string): string => join(dataDir, 'default.earmark')
