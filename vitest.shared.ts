// The one vitest config. Every package's vitest.config.ts re-exports it, and the root
// vitest.config.ts runs them all as projects.
//
// Why re-export instead of inheriting: with `test.projects` each project loads its own
// config file and does not inherit the root's `resolve` options, so the custom "source"
// export condition (workspace packages resolve to src/index.ts, no build needed) has to be
// set in every project. Conditions are listed in full because setting them replaces
// Vite's defaults ('module', 'node', 'development|production').
import { defineConfig } from 'vitest/config';

const conditions = ['source', 'module', 'node', 'development|production'];

const config: ReturnType<typeof defineConfig> = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});

export default config;
