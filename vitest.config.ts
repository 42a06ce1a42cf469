import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { alias: { '@shared': resolve(import.meta.dirname, 'src/shared') } },
  test: {
    // CI must not pass because a stray `.only` skipped the rest.
    allowOnly: !process.env['CI'],
    projects: [
      // Some unit tests start worker threads through tsx: slow to start on a busy two-core machine.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        extends: true,
        // Hooks remove folders of copied audio and trained runs, which takes seconds on a busy disk.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One browser at a time: two cores are shared with the server under test.
          fileParallelism: false,
          retry: process.env['CI'] ? 1 : 0,
        },
      },
    ],
  },
})
