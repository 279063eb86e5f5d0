import { defineConfig } from 'vitest/config';

// Native addon tests run in forked processes: each fork loads its own copy of the addon,
// and a crash in one file cannot take the others down.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
