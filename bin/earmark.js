#!/usr/bin/env node
// The `earmark` command. The CLI is bundled with the app by electron-vite (npm install builds it).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
if (!existsSync(cli)) {
  console.error('earmark: the CLI is not built yet; run "npm run build" in the Earmark folder.')
  process.exit(1)
}
await import(cli)
