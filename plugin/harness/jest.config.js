/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config file, loaded as such by its tool */
// Checks of the built plugin (npm run build first): dist/ and the browser check. Node environment,
// the scaffold's SWC transform; kept apart from the jsdom unit tests in src/.
const path = require('path');
const base = require('../.config/jest.config');

module.exports = {
  rootDir: path.resolve(__dirname, '..'),
  testEnvironment: 'node',
  transform: base.transform,
  testMatch: ['<rootDir>/harness/**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};
