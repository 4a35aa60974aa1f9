import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_ONLY = 'no Node builtins in workflow code';

/** Imports workflow code may not use: Node builtins (every one, in either spelling), I/O libraries and, unless allowed, zod. */
function workflowImports(noZod) {
  return {
    paths: builtinModules.map((name) => ({ name, message: NODE_ONLY })),
    patterns: [
      { group: ['node:*'], message: NODE_ONLY },
      ...(noZod
        ? [
            {
              group: ['zod', 'zod/*'],
              allowTypeImports: true,
              message: 'no zod in the workflow bundle: it weighs on every cached workflow; validate at the edges',
            },
          ]
        : []),
      {
        group: ['**/activities', '**/activities/**', '**/db', '**/db/**', '**/api', '**/api/**'],
        allowTypeImports: true,
        message: 'workflows import only types from activities/, db/ and api/',
      },
      {
        group: ['pg', 'kysely', 'express', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
        message: 'no I/O libraries in workflow code',
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**', 'test/histories/**', 'test/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it must stay deterministic and free of I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', workflowImports(true)],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() in a loop' },
        { name: 'process', message: 'no process in workflow code' },
        { name: 'Buffer', message: 'no Buffer in workflow code' },
      ],
    },
  },
  {
    // The journey schema is the API's validation; the conversation workflow never imports it, so it stays out of the bundle.
    files: ['workflows/journey/schema.ts'],
    rules: { 'no-restricted-imports': ['error', workflowImports(false)] },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', '*.js'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
