import { z } from 'zod'
import type { ParamSpace, ParamValue, SweepSpec } from '@shared/sweep-spec'
import type { ModelParameter, SweepableModel } from '@shared/sweeps'
import { isDeepRunModel, type RunModel, type TrainableModel } from '@shared/evaluation'
import { deepParamsSchemas } from '../models/deep/params'
import { EarmarkError } from '../errors'
import { treeParamsSchemas } from '../models/trees/train'

/**
 * The models a sweep can tune, each with its parameter schema. The builder's model list and its
 * parameters come from here, so a model added to this table shows up in the studio as it is.
 */
export const sweepParamSchemas: Readonly<Record<string, z.ZodObject>> = {
  ...treeParamsSchemas,
  // Deep models cross-validate in the sweep's worker threads too (deep-objective.ts). Transfer
  // learning is left out: its base model is a folder, not a value to sweep.
  cnn: deepParamsSchemas.cnn,
  crnn: deepParamsSchemas.crnn,
  lstm: deepParamsSchemas.lstm,
}

/** The parts of a JSON Schema node that describe one scalar parameter. */
interface SchemaNode {
  type?: string
  anyOf?: SchemaNode[]
  enum?: unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  default?: unknown
  description?: string
  items?: SchemaNode
  minItems?: number
  maxItems?: number
}

const isScalar = (v: unknown): v is ParamValue =>
  v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'

const isParamValue = (v: unknown): v is ParamValue =>
  isScalar(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'))

/** Every alternative of a node, unions flattened. */
const alternatives = (node: SchemaNode): SchemaNode[] => (node.anyOf ? node.anyOf.flatMap(alternatives) : [node])

/** A parameter as the builder needs it, read from the JSON Schema zod derives from the model's schema. */
function describe(name: string, node: SchemaNode): ModelParameter {
  const options = alternatives(node)
  const list = options.find((o) => o.type === 'array' && o.items)
  if (list?.items) {
    // A list of numbers: its entries' bounds, and how many it takes.
    const entry = describe(name, list.items)
    return {
      ...entry,
      description: node.description ?? '',
      default: isParamValue(node.default) ? node.default : null,
      choices: [],
      list: { min: list.minItems ?? 0, max: list.maxItems ?? null },
    }
  }
  const numbers = options.filter((o) => o.type === 'integer' || o.type === 'number')
  const choices: ParamValue[] = options.flatMap((o) => {
    if (o.enum) return o.enum.filter(isScalar)
    if (o.const !== undefined && isScalar(o.const)) return [o.const]
    if (o.type === 'boolean') return [true, false]
    if (o.type === 'null') return [null]
    return [] // objects (per-class weights) are not offered as sweep values
  })
  const bound = numbers[0]
  const max = bound?.maximum
  return {
    name,
    description: node.description ?? '',
    default: isScalar(node.default) ? node.default : null,
    numeric: numbers.length === 0 ? null : numbers.every((o) => o.type === 'integer') ? 'int' : 'float',
    min: bound?.minimum ?? bound?.exclusiveMinimum ?? null,
    // zod writes Number.MAX_SAFE_INTEGER for "no upper bound" on integers.
    max: max === undefined || max >= Number.MAX_SAFE_INTEGER ? null : max,
    exclusiveMin: bound?.exclusiveMinimum !== undefined,
    choices,
    list: null,
  }
}

/** The sweepable models and their hyperparameters (the trial seed is the sweep's own, so not listed). */
export function sweepableModels(): SweepableModel[] {
  return Object.entries(sweepParamSchemas).map(([model, schema]) => {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, SchemaNode>
    }
    const parameters = Object.entries(json.properties ?? {})
      .filter(([name]) => name !== 'seed')
      .map(([name, node]) => describe(name, node))
    return { model, parameters }
  })
}

/** The values a dimension can produce that a schema can check up front: its choices or its range's ends. */
function probeValues(space: ParamSpace): ParamValue[] {
  if (Array.isArray(space)) return space
  if ('choices' in space) return space.choices
  if ('int' in space) return [...space.int]
  if ('float' in space) return [...space.float]
  return [...space.logUniform]
}

/**
 * Checks a spec's parameters against its model before any trial runs: a misspelt name or a value
 * the model refuses would otherwise fail every trial one by one.
 */
export function checkSweepParameters(spec: SweepSpec): void {
  const schema = sweepParamSchemas[spec.model]
  if (!schema) {
    const models = Object.keys(sweepParamSchemas).join(', ')
    throw new EarmarkError('invalid-input', `sweeps of ${spec.model} models are not available yet; sweep ${models}`)
  }
  const known = new Set(Object.keys(schema.shape))
  const problems: { path: string[]; message: string }[] = []
  const check = (path: string[], name: string, value: ParamValue): void => {
    // The parameter's own schema: the model's may require others (a transfer model's base model).
    const parsed = (schema.shape[name] as z.ZodType).safeParse(value)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      problems.push({ path, message: `${JSON.stringify(value)} is not a valid ${name}: ${issue?.message ?? ''}` })
    }
  }
  for (const [name, space] of Object.entries(spec.space)) {
    if (!known.has(name)) {
      problems.push({ path: ['space', name], message: `${spec.model} has no parameter "${name}"` })
      continue
    }
    const field = z.toJSONSchema(schema.shape[name] as z.ZodType, { io: 'input', unrepresentable: 'any' })
    const parameter = describe(name, field as SchemaNode)
    const range = !Array.isArray(space) && !('choices' in space)
    if (range && parameter.list) {
      problems.push({
        path: ['space', name],
        message: `${name} takes a list of numbers: give choices of lists, such as [[16, 32], [16, 32, 64]]`,
      })
      continue
    }
    for (const value of probeValues(space)) check(['space', name], name, value)
    if (range && parameter.numeric === 'int' && !('int' in space)) {
      problems.push({ path: ['space', name], message: `${name} takes whole numbers: use a list or an int range` })
    }
  }
  for (const [name, value] of Object.entries(spec.fixed)) {
    if (!known.has(name)) problems.push({ path: ['fixed', name], message: `${spec.model} has no parameter "${name}"` })
    else check(['fixed', name], name, value)
  }
  if (problems.length > 0) {
    throw new EarmarkError(
      'invalid-input',
      `bad sweep parameters: ${problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`,
      problems,
    )
  }
}

/**
 * Every model a run can train (trees and deep models) with all its hyperparameters, as the
 * training form shows them: the same descriptions as the sweep builder's, plus each default as
 * it is (lists such as a CNN's `filters` included).
 */
export function trainableModels(): TrainableModel[] {
  const schemas: [RunModel, z.ZodObject][] = [
    ...Object.entries(treeParamsSchemas).map(([model, schema]): [RunModel, z.ZodObject] => [model as RunModel, schema]),
    ...Object.entries(deepParamsSchemas).map(([model, schema]): [RunModel, z.ZodObject] => [model as RunModel, schema]),
  ]
  return schemas.map(([model, schema]) => {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, SchemaNode>
      required?: string[]
    }
    const parameters = Object.entries(json.properties ?? {}).map(([name, node]) => ({
      ...describe(name, node),
      defaultValue: node.default ?? null,
      required: json.required?.includes(name) === true && node.default === undefined,
    }))
    return { model, deep: isDeepRunModel(model), parameters }
  })
}
