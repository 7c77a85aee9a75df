/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config file, loaded as such by its tool */
module.exports = {
  // Prettier configuration provided by Grafana scaffolding
  ...require('./.config/.prettierrc.js'),
};
