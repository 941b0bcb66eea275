// `pnpm vitest run` at the root runs every package's tests: each directory below with a
// vitest.config.ts (re-exporting ../../vitest.shared.ts) is one project.
import { defineConfig } from 'vitest/config';

const config: ReturnType<typeof defineConfig> = defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});

export default config;
