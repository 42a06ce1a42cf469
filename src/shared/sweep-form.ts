import {
  cvKinds,
  sweepMetrics,
  sweepSpecSchema,
  sweepStrategies,
  type Condition,
  type ParamSpace,
  type ParamValue,
  type SweepSpec,
} from './sweep-spec'
import type { ModelParameter, SweepableModel } from './sweeps'

/**
 * The sweep builder's state and its two-way mapping to a spec. The form holds what the user typed
 * (numbers may be half-typed text), checks each field against the model's own parameter schema,
 * and keeps what it has no field for (`when`, `fixed`, `features`) so the JSON view loses nothing.
 */

export const rangeKinds = ['choices', 'int', 'float', 'logUniform'] as const
export type RangeKind = (typeof rangeKinds)[number]

/** What an `<input type="number">` bound with v-model holds: a number, or the text when it is not one. */
export type NumberField = number | string

export interface DimensionDraft {
  name: string
  kind: RangeKind
  /** Comma-separated values: numbers, names, true, false, null. */
  choices: string
  low: NumberField
  high: NumberField
  step: NumberField
  when?: Condition
}

export interface SweepForm {
  name: string
  model: string
  strategy: (typeof sweepStrategies)[number]
  trials: NumberField
  timeBudgetSeconds: NumberField
  seed: NumberField
  cvKind: (typeof cvKinds)[number]
  folds: NumberField
  testFraction: NumberField
  metric: (typeof sweepMetrics)[number]
  dimensions: DimensionDraft[]
  halvingParameter: string
  minBudget: NumberField
  maxBudget: NumberField
  eta: NumberField
  fixed: Record<string, ParamValue>
  features?: string
}

/** Field name → message; dimensions are keyed `space.NAME`. */
export type FormErrors = Record<string, string>

export function emptyForm(model: string): SweepForm {
  return {
    name: '',
    model,
    strategy: 'random',
    trials: 20,
    timeBudgetSeconds: '',
    seed: 0,
    cvKind: 'stratified',
    folds: 3,
    testFraction: 0.2,
    metric: 'accuracy',
    dimensions: [],
    halvingParameter: '',
    minBudget: 10,
    maxBudget: 270,
    eta: 3,
    fixed: {},
  }
}

const numberOf = (field: NumberField): number | null => {
  if (typeof field === 'number') return Number.isFinite(field) ? field : null
  const trimmed = field.trim()
  return trimmed === '' || !Number.isFinite(Number(trimmed)) ? null : Number(trimmed)
}

export const formatValue = (value: ParamValue): string =>
  value === null ? 'null' : Array.isArray(value) ? `[${value.join(', ')}]` : String(value)

const isNumber = (token: string): boolean => token !== '' && Number.isFinite(Number(token))

/**
 * One typed choice: `null`, `true`, `false`, a number, a list of numbers in brackets
 * (`[16, 32]`), or else a name (quotes optional).
 */
function parseValue(token: string): ParamValue {
  if (token === 'null') return null
  if (token === 'true' || token === 'false') return token === 'true'
  if (isNumber(token)) return Number(token)
  const list = /^\[(.*)\]$/s.exec(token)
  if (list) {
    const entries = (list[1] as string).split(',').map((t) => t.trim())
    // Not a list of numbers: kept as typed, for valueProblem to name.
    return entries.every(isNumber) ? entries.map(Number) : token
  }
  return token.replace(/^["']|["']$/g, '')
}

/** Comma-separated choices; commas inside brackets belong to a list. */
export function parseChoices(text: string): ParamValue[] {
  const tokens: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i <= text.length; i++) {
    const c = text[i]
    if (c === '[') depth++
    else if (c === ']') depth = Math.max(0, depth - 1)
    else if ((c === ',' && depth === 0) || c === undefined) {
      tokens.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  return tokens.filter((t) => t !== '').map(parseValue)
}

/** The range kinds that suit a parameter: whole numbers take int ranges, other numbers float and log ranges. */
export function kindsFor(parameter: ModelParameter): RangeKind[] {
  if (parameter.list) return ['choices']
  if (parameter.numeric === 'int') return ['choices', 'int']
  if (parameter.numeric === 'float') return ['choices', 'float', 'logUniform']
  return ['choices']
}

/** A first guess around the model's default: a range for a number, else its default and other choices. */
export function newDimension(parameter: ModelParameter): DimensionDraft {
  const base = { name: parameter.name, choices: '', low: '', high: '', step: '' }
  if (parameter.list && Array.isArray(parameter.default)) {
    // The default, one entry fewer, and twice as wide: depth and width, the usual first questions.
    const d = parameter.default
    const lists = [d, ...(d.length > parameter.list.min ? [d.slice(0, -1)] : []), d.map((n) => 2 * n)]
    return { ...base, kind: 'choices', choices: lists.map(formatValue).join(', ') }
  }
  const guess = typeof parameter.default === 'number' ? parameter.default : null
  if (parameter.numeric === 'int') {
    const center = guess ?? (parameter.min ?? 1) + 7
    const low = Math.max(parameter.min ?? 1, Math.floor(center / 2))
    return { ...base, kind: 'int', low, high: Math.max(low + 4, center * 2) }
  }
  if (parameter.numeric === 'float' && guess !== null) {
    return guess > 0 && parameter.exclusiveMin
      ? { ...base, kind: 'logUniform', low: guess / 10, high: guess * 10 }
      : { ...base, kind: 'float', low: parameter.min ?? 0, high: parameter.max ?? Math.max(1, guess * 2) }
  }
  const values = [parameter.default, ...parameter.choices.filter((c) => c !== parameter.default)]
  return { ...base, kind: 'choices', choices: values.map(formatValue).join(', ') }
}

/** Why a value does not suit a parameter, or null when it does (the model's schema in brief). */
export function valueProblem(parameter: ModelParameter, value: ParamValue): string | null {
  if (parameter.list) {
    const { min, max } = parameter.list
    const entries = parameter.numeric === 'int' ? 'whole numbers' : 'numbers'
    if (!Array.isArray(value))
      return `${formatValue(value)} is not allowed: a list of ${entries} in brackets, such as [16, 32]`
    if (value.length < min || (max !== null && value.length > max))
      return `${formatValue(value)} has ${value.length} entries: ${min} to ${max ?? 'any number of'} allowed`
    for (const entry of value) {
      const problem = valueProblem({ ...parameter, list: null }, entry)
      if (problem) return problem
    }
    return null
  }
  if (Array.isArray(value)) return `${formatValue(value)} is not allowed: one value, not a list`
  if (typeof value !== 'number') {
    if (parameter.choices.includes(value)) return null
    const allowed = parameter.choices.map(formatValue)
    if (parameter.numeric) allowed.unshift(parameter.numeric === 'int' ? 'a whole number' : 'a number')
    return `${formatValue(value)} is not allowed: ${allowed.join(', ')}`
  }
  if (parameter.numeric === null) return `${value} is not allowed: ${parameter.choices.map(formatValue).join(', ')}`
  if (parameter.numeric === 'int' && !Number.isInteger(value)) return `${value} is not a whole number`
  if (parameter.min !== null && (value < parameter.min || (parameter.exclusiveMin && value === parameter.min)))
    return `${value} is too small (${parameter.exclusiveMin ? 'above' : 'at least'} ${parameter.min})`
  if (parameter.max !== null && value > parameter.max) return `${value} is too large (at most ${parameter.max})`
  return null
}

/** A dimension as the spec writes it, or the reason it cannot be one. */
function dimensionSpace(draft: DimensionDraft, parameter: ModelParameter | undefined): ParamSpace | string {
  if (!parameter) return `not a parameter of this model`
  const when = draft.when ? { when: draft.when } : {}
  if (draft.kind === 'choices') {
    const values = parseChoices(draft.choices)
    if (values.length === 0) return 'list at least one value'
    for (const v of values) {
      const problem = valueProblem(parameter, v)
      if (problem) return problem
    }
    return draft.when ? { choices: values, ...when } : values
  }
  const low = numberOf(draft.low)
  const high = numberOf(draft.high)
  if (low === null || high === null) return 'give both ends of the range'
  if (low > high) return 'the low end is above the high end'
  for (const v of [low, high]) {
    const problem = valueProblem(parameter, v)
    if (problem) return problem
  }
  if (draft.kind === 'int') {
    const step = numberOf(draft.step)
    if (draft.step !== '' && (step === null || step < 1 || !Number.isInteger(step)))
      return 'the step is a whole number of at least 1'
    return { int: [low, high], ...(step === null ? {} : { step }), ...when }
  }
  if (draft.kind === 'float') return { float: [low, high], ...when }
  if (low <= 0) return 'a log-uniform range starts above 0'
  return { logUniform: [low, high], ...when }
}

/** Where a spec's schema issue belongs in the form. */
function fieldOf(path: readonly PropertyKey[]): string {
  const [first, second] = path.map(String)
  if (first === 'space' && second) return `space.${second}`
  if (first === 'cv' && second) return second === 'kind' ? 'cvKind' : second
  if (first === 'halving') return 'halving'
  return first ?? 'form'
}

/**
 * The spec the form describes, with a message per field that is wrong. The spec is checked with
 * the same schema the API applies, so a form without errors starts.
 */
export function specOfForm(form: SweepForm, model: SweepableModel | undefined): { spec: unknown; errors: FormErrors } {
  const errors: FormErrors = {}
  const need = (field: string, value: NumberField, optional = false): number | undefined => {
    const n = numberOf(value)
    if (n === null && !(optional && String(value).trim() === '')) errors[field] = 'a number, please'
    return n ?? undefined
  }
  const space: Record<string, ParamSpace> = {}
  const byName = new Map((model?.parameters ?? []).map((p) => [p.name, p]))
  for (const draft of form.dimensions) {
    const key = `space.${draft.name}`
    if (draft.name in space) {
      errors[key] = 'this parameter is already in the search space'
      continue
    }
    const result = dimensionSpace(draft, byName.get(draft.name))
    if (typeof result === 'string') errors[key] = result
    else space[draft.name] = result
    if (form.strategy === 'grid' && (draft.kind === 'float' || draft.kind === 'logUniform'))
      errors[key] = 'a grid takes lists and int ranges only'
  }
  if (form.dimensions.length === 0) errors['space'] = 'add at least one parameter to search'

  const budget = need('timeBudgetSeconds', form.timeBudgetSeconds, true)
  const spec = {
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    model: form.model,
    strategy: form.strategy,
    trials: need('trials', form.trials),
    seed: need('seed', form.seed),
    ...(budget === undefined ? {} : { timeBudgetSeconds: budget }),
    cv: {
      kind: form.cvKind,
      ...(form.cvKind === 'holdout'
        ? { testFraction: need('testFraction', form.testFraction) }
        : form.cvKind === 'folds'
          ? {}
          : { folds: need('folds', form.folds) }),
    },
    metric: form.metric,
    space,
    ...(Object.keys(form.fixed).length ? { fixed: form.fixed } : {}),
    ...(form.strategy === 'halving'
      ? {
          halving: {
            parameter: form.halvingParameter,
            minBudget: need('minBudget', form.minBudget),
            maxBudget: need('maxBudget', form.maxBudget),
            eta: need('eta', form.eta),
          },
        }
      : {}),
    ...(form.features ? { features: form.features } : {}),
  }
  if (form.strategy === 'halving' && !form.halvingParameter) errors['halving'] = 'choose the budget parameter'
  const checked = sweepSpecSchema.safeParse(spec)
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = fieldOf(issue.path)
      errors[field] ??= issue.message
    }
  }
  return { spec, errors }
}

const draftOf = (name: string, space: ParamSpace): DimensionDraft => {
  const base = { name, choices: '', low: '', high: '', step: '' }
  if (Array.isArray(space)) return { ...base, kind: 'choices', choices: space.map(formatValue).join(', ') }
  const when = space.when ? { when: space.when } : {}
  if ('choices' in space)
    return { ...base, ...when, kind: 'choices', choices: space.choices.map(formatValue).join(', ') }
  if ('int' in space)
    return { ...base, ...when, kind: 'int', low: space.int[0], high: space.int[1], step: space.step ?? '' }
  if ('float' in space) return { ...base, ...when, kind: 'float', low: space.float[0], high: space.float[1] }
  return { ...base, ...when, kind: 'logUniform', low: space.logUniform[0], high: space.logUniform[1] }
}

/** The form showing a (valid) spec, e.g. after editing it as JSON. */
export function formOfSpec(spec: SweepSpec): SweepForm {
  return {
    name: spec.name ?? '',
    model: spec.model,
    strategy: spec.strategy,
    trials: spec.trials,
    timeBudgetSeconds: spec.timeBudgetSeconds ?? '',
    seed: spec.seed,
    cvKind: spec.cv.kind,
    folds: spec.cv.folds,
    testFraction: spec.cv.testFraction,
    metric: spec.metric,
    dimensions: Object.entries(spec.space).map(([name, space]) => draftOf(name, space)),
    halvingParameter: spec.halving?.parameter ?? '',
    minBudget: spec.halving?.minBudget ?? 10,
    maxBudget: spec.halving?.maxBudget ?? 270,
    eta: spec.halving?.eta ?? 3,
    fixed: spec.fixed,
    ...(spec.features ? { features: spec.features } : {}),
  }
}
