import baseConfig from '../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // deploy's tests drive the dev launcher (tools) to put real service processes behind real nginx; nothing
    // depends on deploy's tests, so tools may be imported here without creating a cycle.
    files: ['**/*.test.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?js$'],
          depConstraints: [{ sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] }],
        },
      ],
    },
  },
];
