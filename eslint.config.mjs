// ESLint: typescript-eslint's recommended rules, and the dependency direction of the layers
// (docs/DEVELOPING.md): ops/ needs nothing above it, layers/ uses ops/ only, src/ is the top.
// Formatting is Prettier's (npm run format); eslint-config-prettier switches off what it owns.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import {createTypeScriptImportResolver} from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The layer rule, shared with test/lint.test.ts (which proves that it fails on a forbidden import). */
export const LAYER_ZONES = [
  {
    target: './ops',
    from: ['./layers', './src'],
    message: 'ops/ is the bottom layer: it must not import from layers/ or src/.',
  },
  {target: './layers', from: './src', message: 'layers/ may import from ops/ only.'},
];

export default tseslint.config(
  {ignores: ['dist/', 'docs/api/', 'out/', 'node_modules/', 'test/lint/fixtures/', 'ops/kernels/wasm/assembly/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: {import: importX},
    settings: {
      // import-x's TypeScript settings (flatConfigs.typescript), without its rule set: the graph
      // rules need .ts files parsed and resolved.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({project: 'tsconfig.json'})],
    },
    rules: {
      'import/no-restricted-paths': ['error', {zones: LAYER_ZONES}],
      'import/no-cycle': 'error',
      // tsc checks unused names (noUnusedLocals/Parameters); `_`-prefixed parameters are intended.
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      // In the CommonJS build a local named `exports` shadows the module's, and every reference to
      // one of the module's own exports in that scope throws (tsx's ES modules do not show it).
      'id-denylist': ['error', 'exports'],
    },
  },
  {files: ['examples/browser/**/*.js', 'test/browser/pages/**/*.js'], languageOptions: {globals: globals.browser}},
  {files: ['scripts/**/*.mjs', '*.mjs'], languageOptions: {globals: globals.node}},
  // The CLI loads its optional packages (backends, plotting stack) on demand.
  {files: ['src/cli/optional.ts'], rules: {'@typescript-eslint/no-require-imports': 'off'}},
  prettier,
  // After Prettier's config, which switches max-len off: code lines stay within Prettier's width;
  // long message strings may run over.
  {
    rules: {
      'max-len': [
        'error',
        {code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true},
      ],
    },
  },
);
