// Reliability targets E3 and D10 (docs/reliability.md): every API method, called
// through the one dispatcher every transport uses, with hostile input. Expected: a result envelope
// every time, validation errors rather than crashes, no raw SQL error leaked, nothing written by
// a refused call, and an intact catalog at the end.
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { apiMethods, methodNames, type MethodName } from '../../../src/shared/contract'
import { apiErrorCodes, type Result } from '../../../src/shared/result'
import { testService } from '../../helpers/service'

/**
 * Calls per method. The issue asks for 1 000; on CI's two shared cores that is ~50 000 calls and
 * too slow for `npm test`, so this runs 300 per method (about 15 000 calls, under 30 s) and
 * EARMARK_FUZZ_API_RUNS=1000 runs the full count.
 */
const RUNS = Number(process.env['EARMARK_FUZZ_API_RUNS'] ?? 300)

/**
 * Methods that touch files or start jobs by path: fed only input their schema refuses, so random
 * strings never become files in the working folder or jobs that outlive the test. The rest get
 * anything, valid or not.
 */
const REFUSED_ONLY =
  /^(project:open|project:create|project:backup|import:|labels:export|labels:import|runs:export|runs:report|runs:predictUnlabeled|explorer:|train:start|sweeps:|featureSets:compute)/

/** Strings that have broken query builders and parsers elsewhere. */
const hostileString = fc.oneof(
  fc.constantFrom(
    "'",
    "''; DROP TABLE clips; --",
    '%',
    '%%_\\',
    '\u0000',
    'a\u0000b',
    '"',
    '`',
    ']',
    '../../../etc/passwd',
    '__proto__',
    'constructor',
    '\u202e\ufeff',
    'x'.repeat(501),
    '\ud800',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

const hostileNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, -0, 1.5, 2 ** 53, -(2 ** 63), Number.MAX_VALUE, 1e-320),
  fc.integer(),
  fc.double(),
)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constantFrom(null, undefined, true, false, [], {}),
  fc.array(fc.oneof(hostileNumber, hostileString), { maxLength: 5 }),
)

/** An object keyed by the method's real field names and some hostile ones, with hostile values. */
function hostileInput(method: MethodName): fc.Arbitrary<unknown> {
  const shape = (apiMethods[method].input as unknown as { shape?: Record<string, unknown> }).shape ?? {}
  const keys = [...Object.keys(shape), '__proto__', 'constructor', 'prototype', 'extra']
  const object = fc.array(fc.tuple(fc.constantFrom(...keys), hostileValue), { maxLength: 6 }).map((entries) => {
    const o: Record<string, unknown> = {}
    for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true })
    return o
  })
  const protoPollution = fc.constant(
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
  )
  return fc.oneof(
    { weight: 6, arbitrary: object },
    { weight: 2, arbitrary: fc.anything({ maxDepth: 2 }) },
    { weight: 1, arbitrary: protoPollution },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, 'string', [], [1, 2]) },
  )
}

let t: ReturnType<typeof testService>
const counts = { calls: 0, refused: 0, methods: 0 }

beforeAll(async () => {
  t = testService()
  // Something to act on: two classes and a catalogued clip.
  await t.dispatch('classes:add', { name: 'owl' })
  await t.dispatch('classes:add', { name: 'wren' })
  const { insertClip } = await import('../../../src/main/core/catalog/clips')
  insertClip(t.service.catalog().db, {
    path: '/data/a.wav',
    contentHash: 'h',
    duration: 1,
    sampleRate: 8000,
    channels: 1,
    size: 16044,
    codec: 'PCM 16-bit',
  })
})

// The summary speaks for the whole file, so it is printed only when every test in it passed.
let failed = false
beforeEach(({ onTestFailed }) =>
  onTestFailed(() => {
    failed = true
  }),
)

afterAll(async () => {
  await t?.service.close()
  if (!failed)
    console.info(
      `E3: ${counts.calls} fuzzed calls over ${counts.methods} methods, ${counts.refused} refused, 0 internal errors`,
    )
})

/** Checks one answer; returns whether it was a refusal of the input. */
function checkResult(method: string, result: Result<unknown>): boolean {
  expect(typeof result.ok, method).toBe('boolean')
  if (result.ok) return false
  expect(apiErrorCodes, `${method}: ${result.error.message}`).toContain(result.error.code)
  expect(result.error.code, `${method}: ${result.error.message}`).not.toBe('internal')
  expect(result.error.message).not.toMatch(/SQLITE_|sqlite_|\n\s+at /)
  // What crosses IPC must survive structured cloning.
  expect(() => structuredClone(result)).not.toThrow()
  return ['invalid-input', 'unknown-method', 'payload-too-large'].includes(result.error.code)
}

describe('E3 every API method with hostile input', () => {
  it.each(methodNames.map((m) => [m]))(
    '%s answers every input with a result, and writes nothing when it refuses',
    async (method) => {
      const db = t.service.catalog().db
      const changes = db.prepare('SELECT total_changes()').pluck()
      const schema = apiMethods[method].input
      const refusedOnly = REFUSED_ONLY.test(method)
      const input = refusedOnly
        ? hostileInput(method).filter((value) => !schema.safeParse(value ?? {}).success)
        : hostileInput(method)
      counts.methods++
      await fc.assert(
        fc.asyncProperty(input, async (value) => {
          const before = changes.get()
          const result = await t.dispatch(method, value)
          counts.calls++
          if (checkResult(method, result)) {
            counts.refused++
            expect(changes.get(), `${method} refused ${JSON.stringify(value)} but wrote`).toBe(before)
          }
        }),
        { numRuns: RUNS, seed: 424242 },
      )
      expect(t.errors).toEqual([])
    },
    60_000,
  )

  it('refuses unknown method names of every shape, and oversized input, without writing', async () => {
    for (const method of [
      undefined,
      null,
      7,
      {},
      '__proto__',
      'constructor',
      'toString',
      'classes:add ',
      'x'.repeat(1e5),
    ]) {
      const result = await t.dispatch(method, {})
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    }
    const huge = await t.dispatch('classes:add', { name: 'x', pad: 'y'.repeat(10 * 1024 * 1024) })
    expect(huge).toMatchObject({ ok: false, error: { code: 'payload-too-large' } })
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    expect(await t.dispatch('classes:add', cyclic)).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(await t.dispatch('classes:add', { name: 10n })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    })
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('leaves the catalog intact', () => {
    const db = t.service.catalog().db
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(db.pragma('foreign_key_check')).toEqual([])
  })
})

describe('D10 query building with hostile filters, sorts and search text', () => {
  const filter = fc.record(
    {
      search: fc.oneof(hostileString, fc.constant('%'.repeat(500)), fc.constant("'".repeat(500))),
      group: hostileString,
      classIds: fc.array(fc.integer({ min: 1, max: 2 ** 31 }), { maxLength: 5 }),
      split: fc.constantFrom('train', 'val', 'test', 'none'),
      minDuration: fc.double({ min: 0, max: 1e7, noNaN: true }),
      unlabeled: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  const sort = fc.oneof(
    fc.record({
      column: fc.constantFrom('name', 'duration', 'label', 'group', 'split', 'status', 'added'),
      direction: fc.constantFrom('asc', 'desc'),
    }),
    fc.record({ column: hostileString, direction: hostileString }),
  )

  it('binds every value and takes identifiers from allow-lists: results or validation errors only', async () => {
    await fc.assert(
      fc.asyncProperty(filter, sort, async (f, s) => {
        const page = await t.dispatch('clips:query', { filter: f, sort: s, limit: 50 })
        checkResult('clips:query', page)
        if (page.ok) {
          const rows = (page.value as { rows: { path: string }[] }).rows
          // The one clip is found only by text it contains: a quote or % is no wildcard or escape.
          if (typeof f.search === 'string' && /['%_\\]/.test(f.search) && f.search.length > 0) {
            expect(rows.every((r) => r.path.includes(f.search!) || r.path.split('/').pop()!.includes(f.search!))).toBe(
              true,
            )
          }
        }
        const neighbor = await t.dispatch('clips:neighbor', { id: 1, filter: f, sort: s, step: 1 })
        checkResult('clips:neighbor', neighbor)
      }),
      { numRuns: RUNS * 2, seed: 1010 },
    )
    // A 1 MB search string is refused by size, not sent to SQLite.
    const big = await t.dispatch('clips:query', { filter: { search: 's'.repeat(1024 * 1024) } })
    expect(big).toMatchObject({ ok: false })
    expect(t.errors).toEqual([])
  }, 60_000)
})
