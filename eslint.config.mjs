// typescript-eslint's type-aware recommended rules over the TypeScript that tsconfig.json type-checks.
// Rules that do not fit this code base are turned off here, once, each with its reason; no per-line disables.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '.vscode-test/**', '.cache/**', 'models/**', 'trainer/**', 'media/**'] },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts', 'protocol/**/*.ts', 'bench/**/*.ts', 'scripts/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
);
