import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import pkg from './package.json' with { type: 'json' }
import { WORKER_SOURCES } from './src/main/core/workers/sources'

// electron-vite reads Electron's major version from node_modules/electron to pick the output
// format. Where Electron's installer could not fetch its binary, npm drops the optional package,
// so we fall back to the major version package.json asks for: the build itself needs no binary.
try {
  createRequire(import.meta.url).resolve('electron/package.json')
} catch {
  process.env['ELECTRON_MAJOR_VER'] ??= /\d+/.exec(pkg.optionalDependencies.electron)?.[0] ?? '40'
}

const shared = { '@shared': resolve(import.meta.dirname, 'src/shared') }

export default defineConfig({
  main: {
    resolve: { alias: shared },
    build: {
      // The same bundle runs under Electron and under the system Node (CLI, serve mode, workers).
      target: 'node20',
      rolldownOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          cli: resolve(import.meta.dirname, 'src/main/cli/index.ts'),
          // Worker threads, from the one list that core/workers/script.ts finds them by at run time.
          ...Object.fromEntries(
            Object.entries(WORKER_SOURCES).map(([name, source]) => [
              `workers/${name}`,
              resolve(import.meta.dirname, 'src/main/core', source),
            ]),
          ),
        },
      },
    },
  },
  preload: {
    resolve: { alias: shared },
    build: {
      // Sandboxed preloads must be CommonJS and self-contained.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    resolve: { alias: { ...shared, '@renderer': resolve(import.meta.dirname, 'src/renderer/src') } },
    build: {
      rolldownOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } },
    },
    plugins: [vue()],
  },
})
