// typescript-eslint with typed linting (the project service) and only no-floating-promises, over bench/.corpus.
import { join } from 'node:path';
import tseslint from 'typescript-eslint';

export default [
  {
    files: ['.corpus/**/*.ts'],
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: join(import.meta.dirname, '.corpus') },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
];
