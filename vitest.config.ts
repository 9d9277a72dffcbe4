import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM (.mjs, via "module") and CJS (via "main"). Vite would hand our
    // sources the ESM build while Node loads the CJS one for Pothos and yoga: two graphql
    // instances, which graphql refuses. Point ours at the build Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep the number of test workers small so DynamoDB Local keeps up.
    maxWorkers: 2,
    // The SDK warns that it will need Node 22 in 2027; the test output does not need that each run.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
