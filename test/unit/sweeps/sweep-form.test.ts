import { describe, expect, it } from 'vitest'
import { sweepSpecSchema } from '../../../src/shared/sweep-spec'
import type { SweepableModel, SweepTrial } from '../../../src/shared/sweeps'
import { sweepableModels } from '../../../src/main/core/sweeps/parameters'
import {
  emptyForm,
  formOfSpec,
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

  it('keeps the trials inside every brush', () => {
    const axes = [parameterAxis('maxDepth', [4, 8, null], trials), scoreAxis('accuracy', trials)]
    expect(brushedTrials(axes, { maxDepth: [0, 0.6] }, trials).map((t) => t.id)).toEqual([1, 3])
    // A brushed score axis drops trials without a score.
    expect(brushedTrials(axes, { maxDepth: [0, 0.6], accuracy: [0, 1] }, trials).map((t) => t.id)).toEqual([1])
    expect(brushedTrials(axes, {}, trials)).toHaveLength(3)
  })
})
