import { describe, expect, it } from 'vitest'
import { sweepSpecSchema } from '../../../src/shared/sweep-spec'
import type { SweepableModel, SweepTrial } from '../../../src/shared/sweeps'
import { sweepableModels } from '../../../src/main/core/sweeps/parameters'
import {
  emptyForm,
  formOfSpec,
  kindsFor,
  newDimension,
  parseChoices,
  specOfForm,
  type SweepForm,
} from '../../../src/shared/sweep-form'
import { brushedTrials, parameterAxis, scoreAxis } from '../../../src/shared/sweep-axes'

const models = sweepableModels()
const modelOf = (name: string) => models.find((m) => m.model === name) as SweepableModel
const parameter = (model: string, name: string) => {
  const found = modelOf(model).parameters.find((p) => p.name === name)
  if (!found) throw new Error(`no ${name}`)
  return found
}

function form(changes: Partial<SweepForm>): SweepForm {
  return { ...emptyForm('rf'), ...changes }
}

describe('the sweep builder form', () => {
  it("starts each dimension around the model's default, in a kind that suits it", () => {
    expect(newDimension(parameter('rf', 'trees'))).toMatchObject({ kind: 'int', low: 50, high: 200 })
    expect(newDimension(parameter('rf', 'maxDepth'))).toMatchObject({ kind: 'int', low: 4, high: 16 })
    expect(newDimension(parameter('gbdt', 'learningRate'))).toMatchObject({ kind: 'logUniform' })
    expect(newDimension(parameter('gbdt', 'learningRate')).low).toBeCloseTo(0.01, 12)
    expect(newDimension(parameter('gbdt', 'l2'))).toMatchObject({ kind: 'float', low: 0, high: 1 })
    expect(newDimension(parameter('rf', 'maxFeatures'))).toMatchObject({ kind: 'choices', choices: 'sqrt, log2' })
    expect(newDimension(parameter('gbdt', 'earlyStopping')).choices).toBe('auto, true, false')
    expect(parseChoices(' 4, 8 ,null, sqrt, "log2", true')).toEqual([4, 8, null, 'sqrt', 'log2', true])
  })

  it('writes the spec the API takes, with every kind of dimension', () => {
    const { spec, errors } = specOfForm(
      form({
        strategy: 'tpe',
        trials: '12',
        seed: 3,
        timeBudgetSeconds: 600,
        cvKind: 'group',
        folds: 4,
        metric: 'macroF1',
        dimensions: [
          { ...newDimension(parameter('rf', 'trees')), low: 10, high: 90, step: 10 },
          { ...newDimension(parameter('rf', 'maxDepth')), kind: 'choices', choices: '4, 8, null' },
          { ...newDimension(parameter('rf', 'maxFeatures')), kind: 'float', low: 0.2, high: 1 },
        ],
      }),
      modelOf('rf'),
    )
    expect(errors).toEqual({})
    expect(sweepSpecSchema.parse(spec)).toMatchObject({
      model: 'rf',
      strategy: 'tpe',
      trials: 12,
      seed: 3,
      timeBudgetSeconds: 600,
      cv: { kind: 'group', folds: 4 },
      metric: 'macroF1',
      space: { trees: { int: [10, 90], step: 10 }, maxDepth: [4, 8, null], maxFeatures: { float: [0.2, 1] } },
    })
  })

  it('puts each problem beside its field', () => {
    const { errors } = specOfForm(
      form({
        strategy: 'grid',
        trials: '',
        folds: 1,
        dimensions: [
          { ...newDimension(parameter('rf', 'trees')), kind: 'choices', choices: '0, 10' },
          { ...newDimension(parameter('rf', 'maxDepth')), low: 9, high: 3 },
          { ...newDimension(parameter('rf', 'maxFeatures')), kind: 'logUniform', low: 0.1, high: 1 },
          { ...newDimension(parameter('rf', 'minSamplesLeaf')), low: 1.5, high: 3 },
        ],
      }),
      modelOf('rf'),
    )
    expect(errors).toEqual({
      trials: 'a number, please',
      folds: expect.stringMatching(/>=2|at least 2|too small/i) as unknown,
      'space.trees': '0 is too small (at least 1)',
      'space.maxDepth': 'the low end is above the high end',
      'space.maxFeatures': 'a grid takes lists and int ranges only',
      'space.minSamplesLeaf': '1.5 is not a whole number',
    })
    expect(specOfForm(form({ dimensions: [] }), modelOf('rf')).errors).toEqual({
      space: 'add at least one parameter to search',
    })
    const halving = specOfForm(
      form({ strategy: 'halving', dimensions: [newDimension(parameter('rf', 'maxDepth'))] }),
      modelOf('rf'),
    )
    expect(halving.errors['halving']).toBe('choose the budget parameter')
  })

  it("sweeps a parameter that takes a list (a CNN's filters) over choices of lists", () => {
    const filters = parameter('cnn', 'filters')
    expect(filters).toMatchObject({ numeric: 'int', min: 1, list: { min: 1, max: 6 }, default: [16, 32, 64] })
    expect(kindsFor(filters)).toEqual(['choices'])
    expect(newDimension(filters)).toMatchObject({ kind: 'choices', choices: '[16, 32, 64], [16, 32], [32, 64, 128]' })
    expect(parseChoices('[16, 32],[16,32,64] , 8')).toEqual([[16, 32], [16, 32, 64], 8])
    const cnn = (choices: string) =>
      specOfForm(
        { ...emptyForm('cnn'), dimensions: [{ ...newDimension(filters), choices }], fixed: { dropout: 0.2 } },
        modelOf('cnn'),
      )
    const good = cnn('[8], [8, 16]')
    expect(good.errors).toEqual({})
    expect(sweepSpecSchema.parse(good.spec).space).toEqual({ filters: [[8], [8, 16]] })
    expect(cnn('16, 32').errors['space.filters']).toBe(
      '16 is not allowed: a list of whole numbers in brackets, such as [16, 32]',
    )
    expect(cnn('[16, 0.5]').errors['space.filters']).toBe('0.5 is not a whole number')
    expect(cnn('[16, 0]').errors['space.filters']).toBe('0 is too small (at least 1)')
    expect(cnn('[1, 2, 3, 4, 5, 6, 7]').errors['space.filters']).toBe(
      '[1, 2, 3, 4, 5, 6, 7] has 7 entries: 1 to 6 allowed',
    )
    expect(cnn('[a, b]').errors['space.filters']).toMatch(/^\[a, b\] is not allowed/)
    // And a single-valued parameter refuses a list.
    const rate = { ...newDimension(parameter('cnn', 'dropout')), kind: 'choices' as const, choices: '[0.1, 0.2]' }
    expect(specOfForm({ ...emptyForm('cnn'), dimensions: [rate] }, modelOf('cnn')).errors['space.dropout']).toBe(
      '[0.1, 0.2] is not allowed: one value, not a list',
    )
    // Lists survive the JSON view: in the space and among fixed values.
    const spec = sweepSpecSchema.parse({
      model: 'crnn',
      space: {
        filters: [
          [16, 32],
          [16, 32, 32],
        ],
      },
      fixed: { filters: [8] },
    })
    expect(sweepSpecSchema.parse(specOfForm(formOfSpec(spec), modelOf('crnn')).spec)).toEqual(spec)
  })

  it('shows a JSON spec as the form and writes it back unchanged, conditions and fixed values included', () => {
    const spec = sweepSpecSchema.parse({
      model: 'gbdt',
      strategy: 'halving',
      trials: 9,
      seed: 2,
      cv: { kind: 'holdout', testFraction: 0.25 },
      metric: 'balancedAccuracy',
      space: {
        learningRate: { logUniform: [0.01, 0.3] },
        maxDepth: { choices: [3, null], when: { earlyStopping: false } },
        minSamplesLeaf: { int: [5, 40], step: 5 },
      },
      fixed: { earlyStopping: false },
      halving: { parameter: 'maxIter', minBudget: 10, maxBudget: 90, eta: 3 },
    })
    const back = specOfForm(formOfSpec(spec), modelOf('gbdt'))
    expect(back.errors).toEqual({})
    expect(sweepSpecSchema.parse(back.spec)).toEqual(spec)
  })
})

const trial = (id: number, params: SweepTrial['params'], score: number | null): SweepTrial => ({
  id,
  number: id,
  rung: 0,
  params,
  state: score === null ? 'queued' : 'done',
  score,
  std: 0,
  folds: [],
  error: null,
  seconds: null,
  attempts: 1,
})

describe('parallel-coordinates axes', () => {
  const trials = [
    trial(1, { maxDepth: 4, learningRate: 0.01 }, 0.5),
    trial(2, { maxDepth: null, learningRate: 0.1 }, 0.9),
    trial(3, { maxDepth: 8, learningRate: 0.001 }, null),
  ]

  it('spaces categories evenly in list order and puts log-uniform values on a log scale', () => {
    const depth = parameterAxis('maxDepth', [4, 8, null], trials)
    expect(depth.kind).toBe('categorical')
    expect(depth.ticks.map((t) => [t.label, t.at])).toEqual([
      ['4', 0],
      ['8', 0.5],
      ['null', 1],
    ])
    const rate = parameterAxis('learningRate', { logUniform: [0.001, 0.1] }, trials)
    expect(rate.kind).toBe('log')
    expect(rate.position(trials[0] as SweepTrial)).toBeCloseTo(0.5, 12)
    expect(rate.position(trials[2] as SweepTrial)).toBeCloseTo(0, 12)
    const score = scoreAxis('accuracy', trials)
    expect([score.position(trials[0] as SweepTrial), score.position(trials[1] as SweepTrial)]).toEqual([0, 1])
    expect(score.position(trials[2] as SweepTrial)).toBeNull()
    // Before any trial finishes, the score axis is empty rather than spanning Infinity.
    const before = scoreAxis('accuracy', [trials[2] as SweepTrial])
    expect([before.ticks, before.position(trials[2] as SweepTrial)]).toEqual([[], null])
  })

  it('shows lists as categories', () => {
    const lists = [trial(1, { filters: [8, 16] }, 0.7), trial(2, { filters: [8] }, 0.6)]
    const axis = parameterAxis('filters', [[8], [8, 16]], lists)
    expect(axis.ticks.map((t) => [t.label, t.at])).toEqual([
      ['[8]', 0],
      ['[8,16]', 1],
    ])
    expect(lists.map((t) => axis.position(t))).toEqual([1, 0])
  })

  it('keeps the trials inside every brush', () => {
    const axes = [parameterAxis('maxDepth', [4, 8, null], trials), scoreAxis('accuracy', trials)]
    expect(brushedTrials(axes, { maxDepth: [0, 0.6] }, trials).map((t) => t.id)).toEqual([1, 3])
    // A brushed score axis drops trials without a score.
    expect(brushedTrials(axes, { maxDepth: [0, 0.6], accuracy: [0, 1] }, trials).map((t) => t.id)).toEqual([1])
    expect(brushedTrials(axes, {}, trials)).toHaveLength(3)
  })
})
