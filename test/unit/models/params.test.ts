import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  boostingParamsSchema,
  forestParamsSchema,
  trainTreeModel,
  treeParamsSchemas,
} from '../../../src/main/core/models/trees'
import { xor } from './synthetic'

describe('tree hyperparameters', () => {
  it("default to scikit-learn's", () => {
    expect(forestParamsSchema.parse({})).toEqual({
      trees: 100,
      maxDepth: null,
      minSamplesLeaf: 1,
      maxFeatures: 'sqrt',
      classWeight: null,
      seed: 0,
    })
    expect(boostingParamsSchema.parse({})).toEqual({
      maxIter: 100,
      learningRate: 0.1,
      maxLeafNodes: 31,
      maxDepth: null,
      minSamplesLeaf: 20,
      l2: 0,
      earlyStopping: 'auto',
      seed: 0,
    })
  })

  it('use the documented names, each with a line of documentation', () => {
    expect(Object.keys(treeParamsSchemas.rf.shape).sort()).toEqual(
      ['classWeight', 'maxDepth', 'maxFeatures', 'minSamplesLeaf', 'seed', 'trees'].sort(),
    )
    expect(Object.keys(treeParamsSchemas.gbdt.shape).sort()).toEqual(
      ['earlyStopping', 'l2', 'learningRate', 'maxDepth', 'maxIter', 'maxLeafNodes', 'minSamplesLeaf', 'seed'].sort(),
    )
    for (const schema of Object.values(treeParamsSchemas)) {
      const json = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, { description?: string }> }
      for (const [name, property] of Object.entries(json.properties)) {
        expect(property.description, name).toMatch(/\w/)
      }
    }
  })

  it('accept what a CLI flag or sweep spec gives, and refuse the rest', () => {
    expect(forestParamsSchema.parse({ trees: 300, maxFeatures: 0.3, classWeight: 'balanced' })).toMatchObject({
      trees: 300,
      maxFeatures: 0.3,
    })
    expect(forestParamsSchema.parse({ maxFeatures: 'log2', classWeight: { dog: 2 } }).classWeight).toEqual({ dog: 2 })
    expect(boostingParamsSchema.parse({ earlyStopping: false, maxLeafNodes: null, maxDepth: 4 })).toMatchObject({
      earlyStopping: false,
      maxLeafNodes: null,
    })
    for (const bad of [
      { trees: 0 },
      { trees: 2.5 },
      { maxFeatures: 'all' },
      { maxFeatures: 3.5 },
      { classWeight: 'even' },
      { unknown: 1 },
    ]) {
      expect(forestParamsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
    for (const bad of [{ learningRate: 0 }, { maxLeafNodes: 1 }, { l2: -1 }, { earlyStopping: 'yes' }, { trees: 10 }]) {
      expect(boostingParamsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })
})

describe('trainTreeModel', () => {
  it('trains the model named as on the command line, checking its parameters', async () => {
    const data = xor(100, 1)
    expect((await trainTreeModel('rf', data, { trees: 3 }, { workers: 0 })).kind).toBe('rf')
    expect((await trainTreeModel('gbdt', data, { maxIter: 3 }, { workers: 0 })).kind).toBe('gbdt')
    await expect(trainTreeModel('gbdt', data, { trees: 3 }, { workers: 0 })).rejects.toMatchObject({
      code: 'invalid-input',
    })
  })
})
