// Flat config with typed linting. Every TypeScript file linted here belongs to a
// tsconfig.json (the root one for root files, each package's own for src/test/bench), which
// the project service finds by walking up from the file. Plain JS (tools/*.mjs, this file)
// is linted without type information and type-checked by the root tsconfig.json (checkJs).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/', '**/coverage/', '**/.turbo/', '**/node_modules/']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: {
      // tsc (checkJs) reports undefined names with knowledge of Node's globals.
      'no-undef': 'off',
    },
  },
);
