import { defineConfig } from 'eslint/config';
import baseConfig from './.config/eslint.config.mjs';

export default defineConfig([
  {
    ignores: ['**/node_modules/', '**/dist/', '**/build/', '**/coverage/', '**/*.log', '**/.eslintcache'],
  },
  ...baseConfig,
  {
    // The repository's root config lints these files too, with rules this one does not enable;
    // the directives that silence those rules must not count as unused here.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
]);
