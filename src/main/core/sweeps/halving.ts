/** One rung of successive halving: how many configurations run, with how much budget each. */
export interface Rung {
  configurations: number
  budget: number
}

/**
 * The rungs of successive halving (Jamieson & Talwalkar, 2016; Hyperband's inner loop): every
 * configuration starts at minBudget, and after each rung the best 1/eta go on with eta times the
 * budget, until maxBudget.
 */
export function halvingRungs(configurations: number, minBudget: number, maxBudget: number, eta: number): Rung[] {
  const rungs: Rung[] = []
  let n = configurations
  let budget = minBudget
  for (;;) {
    rungs.push({ configurations: n, budget: Math.min(budget, maxBudget) })
    if (budget >= maxBudget || n <= 1) break
    n = Math.max(1, Math.floor(n / eta))
    budget *= eta
  }
  return rungs
}

/** The indices of the configurations that go on to the next rung: the best `keep` by score. */
export function promote(scores: readonly number[], keep: number): number[] {
  return scores
    .map((score, index) => ({ score: Number.isFinite(score) ? score : -Infinity, index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, keep)
    .map((s) => s.index)
}
