// Lint rules that keep each folder to its runtime and its layer: the renderer never touches Node
// or Electron and imports only shared code; shared code imports nothing else of the project; the
// domain (core/) never imports a transport (server, CLI, Electron); only the catalog holds SQL;
// raw IPC lives only in the transport module. test/unit/layers/ checks that each rule fires.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'url']
const runtimeOnly = [...nodeBuiltins, 'electron', 'better-sqlite3']
const coreRules = [
  {
    group: ['**/server/**', '**/cli/**', '**/electron/**'],
    message:
      'The domain (core) never imports a transport: server, CLI or the Electron shell use it, not the other way round.',
  },
  { group: ['**/renderer/**', '@renderer/*'], message: 'Main never imports the renderer.' },
]
const trainingOnTop =
  'Training builds on the models and the kernels (core/kernels), never the other way round: models and kernels do not import training or runs.'

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['src/main/**', 'src/preload/**', 'test/**', 'bench/**', 'scripts/**', 'bin/**', '*.js', '*.ts'],
    languageOptions: { globals: globals.node },
  },
  { files: ['test/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
  { files: ['src/renderer/**'], languageOptions: { globals: globals.browser } },
  // Layers, one rule set per folder (a later block's no-restricted-imports replaces an earlier
  // one's for the same file, so each folder states all of its own).
  layer(
    ['src/renderer/**'],
    [
      { group: runtimeOnly, message: 'Node and Electron stay out of the renderer; it reaches them through the API.' },
      {
        group: ['**/main/**', '**/preload/**'],
        message: 'The renderer imports shared code only, never main or preload.',
      },
    ],
  ),
  layer(
    ['src/shared/**'],
    [
      { group: runtimeOnly, message: 'Shared code runs everywhere: no Node, Electron or SQLite.' },
      {
        group: ['**/main/**', '**/renderer/**', '**/preload/**', '@renderer/*'],
        message: 'Shared code imports nothing of main, preload or the renderer.',
      },
    ],
  ),
  layer(
    ['src/preload/**'],
    [
      {
        group: ['**/main/**', '**/renderer/**', '@renderer/*'],
        message: 'The preload script exposes the contract (shared) only.',
      },
    ],
  ),
  layer(['src/main/core/**'], coreRules, [
    { name: 'electron', message: 'Domain code runs without Electron; keep Electron in src/main/electron.' },
  ]),
  // Inside the domain, training builds on the models and the kernels, never the other way round.
  layer(
    ['src/main/core/models/**'],
    [...coreRules, { group: ['**/training/**', '**/runs/**'], message: trainingOnTop }],
    [{ name: 'electron', message: 'Domain code runs without Electron; keep Electron in src/main/electron.' }],
  ),
  layer(
    ['src/main/core/kernels/**'],
    [...coreRules, { group: ['**/training/**', '**/models/**', '**/runs/**'], message: trainingOnTop }],
    [{ name: 'electron', message: 'Domain code runs without Electron; keep Electron in src/main/electron.' }],
  ),
  layer(
    ['src/main/server/**', 'src/main/cli/**'],
    [
      { group: ['**/electron/**'], message: 'Serve mode and the CLI run without the Electron shell.' },
      { group: ['**/renderer/**', '@renderer/*'], message: 'Main never imports the renderer.' },
    ],
    [{ name: 'electron', message: 'Serve mode and the CLI run without Electron; keep Electron in src/main/electron.' }],
  ),
  layer(
    ['src/main/electron/**', 'src/main/*.ts'],
    [{ group: ['**/renderer/**', '@renderer/*'], message: 'Main never imports the renderer.' }],
    [{ name: 'electron', importNames: ['ipcMain'], message: 'Raw IPC lives only in electron/ipc-transport.ts.' }],
    ['src/main/electron/ipc-transport.ts'],
  ),
  {
    // SQL belongs to the catalog's repository modules; the rest of the domain calls them.
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/core/catalog/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(prepare|exec|pragma)$/][arguments.0.type=/Literal$/]',
          message: 'SQL lives in src/main/core/catalog/: add a function there and call it.',
        },
      ],
    },
  },
)

/** One folder's import rules: forbidden module patterns, and forbidden modules by name. */
function layer(files, patterns, paths = [], ignores = []) {
  return { files, ignores, rules: { 'no-restricted-imports': ['error', { patterns, paths }] } }
}
