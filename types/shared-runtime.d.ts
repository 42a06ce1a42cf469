// The web-platform globals shared code may use: those both of its runtimes provide (Node and the
// browser). Only tsconfig.shared.json reads this file; the node and web configurations get the
// real declarations from @types/node and the DOM library, so shared code that typechecks here
// uses nothing one of them lacks.
interface URLSearchParams {
  get(name: string): string | null
  toString(): string
}
declare const URLSearchParams: {
  new (init?: string | Record<string, string>): URLSearchParams
}
