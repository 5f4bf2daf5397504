import nx from '@nx/eslint-plugin';

// Module boundaries: apps depend only on libs, never on other apps; libs only on libs. Apps reach the network,
// logs and circuit breakers through the shared libs, so axios, opossum and pino are banned in apps.
const BANNED_IN_APPS = ['axios', 'opossum', 'pino', 'pino-*'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/.nx', '**/node_modules'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?js$'],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'], bannedExternalImports: BANNED_IN_APPS },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // tsconfig has noUncheckedIndexedAccess: an index read is `T | undefined`, and `!` after a bounds check
      // is how the code says it checked.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
