/** Jest: TypeScript through @swc/jest; one project per test layer so each gets its own timeout. */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const project = (name, timeout) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  testTimeout: timeout,
});

module.exports = {
  projects: [project('unit', 10_000), project('server', 30_000), project('cluster', 120_000), project('browser', 180_000)],
};
