// Three classes of synthetic clips a log-mel image tells apart at a glance (a low hum, a high
// whistle, a rising chirp), 0.5 s at 8 kHz, in one folder per class: small deep-model projects.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mulberry32 } from '../../src/main/core/models/trees/random'
import { encodeWav } from './wav-writer'

/** Writes `perClass` clips of each class under `root/<class>/`; returns their paths. */
export function writeToneClasses(root: string, perClass: number, seed = 11): string[] {
  const random = mulberry32(seed)
  const files: string[] = []
  const shapes = {
    hum: (t: number, f: number) => Math.sin((2 * Math.PI * (200 + f * 100) * t) / 8000),
    whistle: (t: number, f: number) => Math.sin((2 * Math.PI * (2000 + f * 500) * t) / 8000),
    chirp: (t: number, f: number) => Math.sin((2 * Math.PI * (300 + f * 200 + (t / 4000) * 2500) * t) / 8000),
  }
  for (const [label, wave] of Object.entries(shapes)) {
    mkdirSync(join(root, label), { recursive: true })
    for (let i = 0; i < perClass; i++) {
      const f = random()
      const samples = Float32Array.from({ length: 4000 }, (_, t) => 0.5 * wave(t, f) + 0.05 * (random() * 2 - 1))
      const path = join(root, label, `${label}${i}.wav`)
      writeFileSync(path, encodeWav([samples], 8000))
      files.push(path)
    }
  }
  return files
}
