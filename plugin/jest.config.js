/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config file, loaded as such by its tool */
// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
const base = require('./.config/jest.config');

// d3-color 3.1.1 (pulled in by @grafana/data) ships only .mjs files, which the scaffold's
// transform pattern does not match; without this jest fails to load @grafana/ui on Node 20.
const swc = base.transform['^.+\\.(t|j)sx?$'];

// Packages that ship ES modules only and are not yet in the scaffold's list: @grafana/data 13.2
// depends on both. Absent under 12.4, so listing them changes nothing there.
const esModulesOf13 = ['@react-hookz/web', '@ver0/deep-equal'];

module.exports = {
  ...base,
  transform: { ...base.transform, '^.+\\.mjs$': swc },
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, ...esModulesOf13])],
};
