// typescript-eslint's type-aware recommended rules over the TypeScript that tsconfig.json type-checks.
// Rules that do not fit this code base are turned off or tuned here, once, each with its reason; no per-line disables.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** protocol/ is shared and imports neither side; src/ and webview/ never import each other; editor-free folders never import vscode. */
function folderRules() {
  const noVscode = { name: 'vscode', message: 'This folder runs without VS Code (docs/architecture.md); pass what it needs in.' };
  const notSrc = { regex: '^(\\.\\./)+src(/|$)', message: 'Share through protocol/, not src/ (docs/architecture.md).' };
  const notWebview = { regex: '^(\\.\\./)+webview(/|$)', message: 'Share through protocol/, not webview/ (docs/architecture.md).' };
  const rule = (patterns, paths = [noVscode]) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });
  return [
    { files: ['protocol/**/*.ts'], rules: rule([notSrc, notWebview]) },
    { files: ['webview/**/*.ts'], rules: rule([notSrc]) },
    { files: ['src/core/**/*.ts', 'src/training/**/*.ts', 'src/cli/**/*.ts', 'src/cli.ts'], rules: rule([notWebview]) },
    { files: ['src/*.ts', 'src/panel/**/*.ts'], ignores: ['src/cli.ts'], rules: rule([notWebview], []) },
  ];
}

export default defineConfig(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '.vscode-test/**', '.cache/**', 'models/**', 'trainer/**', 'media/**'] },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts', 'protocol/**/*.ts', 'bench/**/*.ts', 'scripts/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Terminal colour codes are stripped with a regex on purpose; each such regex says so on its line.
      'no-control-regex': 'error',
      // Async functions without await implement Promise-returning interfaces (VS Code serializers, CLI commands, async
      // iterables in tests); wrapping their results in Promise.resolve would say less.
      '@typescript-eslint/require-await': 'off',
      // Messages interpolate caught errors (unknown) and number arrays on purpose: String() of them is the text wanted.
      '@typescript-eslint/restrict-template-expressions': 'off',
      // `Promise<unknown> | unknown` and `RunResult | unknown` document what a caller may pass where any value is accepted.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // A rejection handed on as it came (onnxruntime's) is not ours to wrap.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // A rest sibling drops fields from a copy; `_name` marks a parameter kept for its position.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `cond ? a++ : b++` tallies a confusion matrix in one line.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
    },
  },
  // The folder rules of docs/architecture.md (also checked over the whole import graph by test/unit/folderRules.test.ts).
  ...folderRules(),
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON (trainer events, metrics files, package.json) and untyped .mjs helpers, then assert on the fields
      // they read: an assertion failing is the type check, so typing every fixture would add nothing.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests swap prototype methods (Intl.Segmenter's) to count calls and pass table-driven functions around.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
