/** Jest: TypeScript through @swc/jest; one project per test layer so each gets its own timeout. */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const project = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  // Jest reads testTimeout only at the root; each layer's timeout is set in test/setup/timeouts.ts.
  setupFilesAfterEnv: ['<rootDir>/test/setup/timeouts.ts'],
});

module.exports = {
  projects: [project('unit'), project('server'), project('cluster'), project('browser')],
};
