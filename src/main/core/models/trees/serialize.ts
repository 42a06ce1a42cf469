import { readFile, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { EarmarkError } from '../../errors'
import { GradientBoosting } from './boosting'
import { RandomForest } from './forest'
import { boostingParamsSchema, forestParamsSchema } from './params'
import type { Tree } from './tree'

/*
 * A saved tree model is a plain JSON document that another tool can read without Earmark:
 *
 *   {
 *     "format": "earmark-tree-model", "version": 1,
 *     "model": "rf" | "gbdt",
 *     "featureNames": ["mfcc_0_mean", ...],  the values a row must give, in this order
 *     "classes": ["dog", "rain", ...],        class k of any per-class array is classes[k]
 *     "params": {...},                        the hyperparameters it was trained with
 *     "importances": [...],                   impurity-based, one per feature, summing to 1
 *     rf:   "oobScore": 0.97 | null,
 *           "trees": [tree, ...]
 *     gbdt: "learningRate": 0.1,
 *           "baseline": [...],                the raw score every row starts from, per tree of an iteration
 *           "binThresholds": [[...], ...],    per feature, the bin edges learnt in training
 *           "history": {"trainLoss": [...], "validationLoss": [...]},
 *           "trees": [[tree, ...], ...]       per iteration, one tree per class (one in all for two classes)
 *   }
 *
 * A tree is an array of nodes, the root first; each node is {feature, threshold, left, right,
 * value} (and, in gbdt, missingLeft). At a split node (left >= 0) a row whose value of feature
 * `feature` (an index into featureNames) is <= threshold goes on to node `left`, any other value
 * to `right`, and a missing value (NaN) to `left` if missingLeft, else to `right`. A leaf has
 * feature, left and right -1 and holds the answer in `value`; split nodes have `value: []`.
 *
 * - rf: a leaf's value is the class probabilities; the forest's are their mean over the trees.
 * - gbdt: a leaf's value is [score], learning rate included. Class k's raw score is baseline[k]
 *   plus, over the iterations, the score of tree k; the probabilities are the softmax of the raw
 *   scores. With two classes there is one tree per iteration and one raw score s, and
 *   p(classes[1]) = 1 / (1 + exp(-s)).
 */

/** The format name in every saved tree model. */
export const TREE_MODEL_FORMAT = 'earmark-tree-model'
/** The format version written; readers refuse newer ones. */
const TREE_MODEL_VERSION = 1

/** A trained tree model of either kind. */
export type TreeModel = RandomForest | GradientBoosting

const nodeSchema = z.object({
  feature: z.number().int().min(-1),
  threshold: z.number(),
  left: z.number().int().min(-1),
  right: z.number().int().min(-1),
  value: z.array(z.number()),
  missingLeft: z.boolean().optional(),
})
const treeSchema = z.array(nodeSchema).min(1)
const common = {
  format: z.literal(TREE_MODEL_FORMAT),
  version: z.number().int().min(1).max(TREE_MODEL_VERSION),
  featureNames: z.array(z.string()).min(1),
  classes: z.array(z.string()).min(1),
  importances: z.array(z.number()),
}
const documentSchema = z.discriminatedUnion('model', [
  z.object({
    ...common,
    model: z.literal('rf'),
    params: forestParamsSchema,
    oobScore: z.number().nullable(),
    trees: z.array(treeSchema).min(1),
  }),
  z.object({
    ...common,
    model: z.literal('gbdt'),
    params: boostingParamsSchema,
    learningRate: z.number(),
    baseline: z.array(z.number()).min(1),
    binThresholds: z.array(z.array(z.number())),
    history: z.object({ trainLoss: z.array(z.number()), validationLoss: z.array(z.number()) }),
    trees: z.array(z.array(treeSchema)),
  }),
])

/** A saved tree model, as JSON.parse gives it back. */
export type TreeModelDocument = z.infer<typeof documentSchema>
type NodeDocument = z.infer<typeof nodeSchema>

/** The JSON document of a trained model (see the format above). */
export function treeModelToDocument(model: TreeModel): TreeModelDocument {
  const common: Pick<TreeModelDocument, 'format' | 'version' | 'featureNames' | 'classes' | 'importances'> = {
    format: TREE_MODEL_FORMAT,
    version: TREE_MODEL_VERSION,
    featureNames: [...model.featureNames],
    classes: [...model.classes],
    importances: Array.from(model.importances),
  }
  if (model.kind === 'rf') {
    return {
      ...common,
      model: 'rf',
      params: model.params,
      oobScore: model.oobScore,
      trees: model.trees.map((tree) => treeToNodes(tree, false)),
    }
  }
  return {
    ...common,
    model: 'gbdt',
    params: model.params,
    learningRate: model.params.learningRate,
    baseline: Array.from(model.baseline),
    binThresholds: model.binThresholds.map((edges) => Array.from(edges)),
    history: { trainLoss: [...model.history.trainLoss], validationLoss: [...model.history.validationLoss] },
    trees: model.trees.map((iteration) => iteration.map((tree) => treeToNodes(tree, true))),
  }
}

/** A model from its JSON document, checked so that a damaged file fails here with a clear message. */
export function treeModelFromDocument(document: unknown): TreeModel {
  const parsed = documentSchema.safeParse(document)
  if (!parsed.success) {
    throw new EarmarkError('corrupt', `not a tree model document: ${z.prettifyError(parsed.error)}`)
  }
  const doc = parsed.data
  const nFeatures = doc.featureNames.length
  if (doc.importances.length !== nFeatures)
    throw corrupt(`${doc.importances.length} importances for ${nFeatures} features`)
  if (doc.model === 'rf') {
    const trees = doc.trees.map((nodes) => treeFromNodes(nodes, doc.classes.length, nFeatures))
    return new RandomForest(
      doc.featureNames,
      doc.classes,
      doc.params,
      trees,
      Float64Array.from(doc.importances),
      doc.oobScore,
    )
  }
  const scores = doc.classes.length === 2 ? 1 : doc.classes.length
  if (doc.baseline.length !== scores)
    throw corrupt(`${doc.baseline.length} baseline scores for ${doc.classes.length} classes`)
  const trees = doc.trees.map((iteration) => {
    if (iteration.length !== scores) throw corrupt(`an iteration has ${iteration.length} trees; expected ${scores}`)
    return iteration.map((nodes) => treeFromNodes(nodes, 1, nFeatures))
  })
  return new GradientBoosting(
    doc.featureNames,
    doc.classes,
    doc.params,
    doc.binThresholds.map((edges) => Float64Array.from(edges)),
    Float64Array.from(doc.baseline),
    trees,
    Float64Array.from(doc.importances),
    doc.history,
  )
}

/** Writes a trained model to a JSON file. */
export async function saveTreeModel(path: string, model: TreeModel): Promise<void> {
  await writeFile(path, JSON.stringify(treeModelToDocument(model)))
}

/** Reads a model saved by saveTreeModel. */
export async function loadTreeModel(path: string): Promise<TreeModel> {
  let document: unknown
  try {
    document = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    if (error instanceof SyntaxError) throw corrupt(`${path} is not JSON: ${error.message}`)
    throw error
  }
  return treeModelFromDocument(document)
}

function treeToNodes(tree: Tree, withMissing: boolean): NodeDocument[] {
  return Array.from(tree.feature, (feature, i) => {
    const leaf = (tree.left[i] as number) < 0
    const node: NodeDocument = {
      feature,
      threshold: tree.threshold[i] as number,
      left: tree.left[i] as number,
      right: tree.right[i] as number,
      value: leaf ? Array.from(tree.value.subarray(i * tree.width, (i + 1) * tree.width)) : [],
    }
    if (withMissing && !leaf) node.missingLeft = tree.missingLeft[i] === 1
    return node
  })
}

function treeFromNodes(nodes: NodeDocument[], width: number, nFeatures: number): Tree {
  const tree: Tree = {
    feature: new Int32Array(nodes.length),
    threshold: new Float64Array(nodes.length),
    left: new Int32Array(nodes.length),
    right: new Int32Array(nodes.length),
    missingLeft: new Uint8Array(nodes.length),
    value: new Float64Array(nodes.length * width),
    width,
  }
  nodes.forEach((node, i) => {
    const leaf = node.left < 0
    if (leaf ? node.right >= 0 || node.value.length !== width : node.feature < 0 || node.feature >= nFeatures) {
      throw corrupt(`node ${i} is neither a leaf with ${width} values nor a split on one of the ${nFeatures} features`)
    }
    // Children come after their parent, which rules out cycles.
    if (!leaf && (node.left <= i || node.right <= i || node.left >= nodes.length || node.right >= nodes.length)) {
      throw corrupt(`node ${i}'s children ${node.left} and ${node.right} are not later nodes of the tree`)
    }
    tree.feature[i] = leaf ? -1 : node.feature
    tree.threshold[i] = node.threshold
    tree.left[i] = node.left
    tree.right[i] = node.right
    tree.missingLeft[i] = node.missingLeft ? 1 : 0
    if (leaf) tree.value.set(node.value, i * width)
  })
  return tree
}

function corrupt(message: string): EarmarkError {
  return new EarmarkError('corrupt', `not a valid tree model: ${message}`)
}
