/**
 * Every worker script: its name (the build writes it to `out/main/workers/<name>.js`) and its
 * source relative to src/main/core. The one list: the build's entries (electron.vite.config.ts)
 * and the run-time lookup (script.ts) both read it, so a worker is added here alone.
 */
export const WORKER_SOURCES = {
  'audio-worker': 'workers/audio-worker.ts',
  'trees-worker': 'models/trees/trees-worker.ts',
  'sweep-worker': 'sweeps/sweep-worker.ts',
  'training-worker': 'training/training-worker.ts',
  'detect-worker': 'detection/detect-worker.ts',
  'gradient-peer': 'training/gradient-peer.ts',
} as const
