#!/usr/bin/env node
// The plugin on another Grafana package set than the one in the repository's lockfile.
//
// Grafana 13.2's packages declare react >=19 and 12.4's run on React 18, so one lockfile cannot
// hold both. Each other set is a file of version overrides beside this one (grafana-13.2.json)
// and a lockfile of its own (grafana-13.2.lock.json); this script installs it in a scratch copy
// of the plugin, outside the repository, and runs the plugin's checks there.
//
//   node plugin/compat/package-set.mjs lock grafana-13.2
//     writes the set's lockfile anew (after a change to plugin/package.json or the overrides)
//   node plugin/compat/package-set.mjs test grafana-13.2 [--results DIR]
//     type-check, unit tests, production build, the built-plugin checks, and the browser check
//     of the shipped plugin/dist (when ENGMETRICS_API_URL and API_TOKEN are set, as for
//     `npm run test:browser -w plugin`); jest's JSON results go to DIR when given.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pluginDir = path.resolve(here, '..');
const rootDir = path.resolve(pluginDir, '..');
// What a scratch copy of the plugin needs; node_modules, dist and build are made there.
const COPIED = [
  '.config',
  '.cprc.json',
  'src',
  'harness',
  'jest-setup.js',
  'jest.config.js',
  'tsconfig.json',
  'webpack.config.ts',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
];

function usage(message) {
  if (message) {
    console.error(message);
  }
  console.error('usage: node plugin/compat/package-set.mjs lock|test SET [--results DIR]');
  const sets = fs.readdirSync(here).filter((f) => f.endsWith('.json') && !f.endsWith('.lock.json'));
  console.error(`sets: ${sets.map((f) => f.replace(/\.json$/, '')).join(', ')}`);
  process.exit(2);
}

/** plugin/package.json with the set's versions, and the root's install-script decisions. */
function packageJsonOf(set) {
  const overrides = JSON.parse(fs.readFileSync(path.join(here, `${set}.json`), 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(pluginDir, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'devDependencies']) {
    for (const [name, version] of Object.entries(overrides[field] ?? {})) {
      if (!(name in pkg[field])) {
        throw new Error(`${set}.json overrides ${field}.${name}, which plugin/package.json does not have`);
      }
      pkg[field][name] = version;
    }
  }
  pkg.name = `${pkg.name}-${set}`;
  const root = JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8'));
  if (root.allowScripts) {
    pkg.allowScripts = root.allowScripts;
  }
  return pkg;
}

/**
 * A scratch tree: <tmp>/plugin (the copy) and <tmp>/ingester (a link to the real one, whose API
 * schema the plugin's fixture test reads). Outside the repository, so nothing resolves a package
 * from the repository's node_modules by walking up.
 */
function scratchOf(set) {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), `engmetrics-${set}-`));
  const dir = path.join(top, 'plugin');
  fs.mkdirSync(dir);
  for (const entry of COPIED) {
    fs.cpSync(path.join(pluginDir, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(rootDir, 'ingester'), path.join(top, 'ingester'));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(packageJsonOf(set), null, 2)}\n`);
  return { top, dir };
}

function run(title, command, args, options) {
  console.log(`\n-- ${title}: ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { stdio: 'inherit', ...options });
  return r.status === 0;
}

function lock(set) {
  const { top, dir } = scratchOf(set);
  try {
    if (
      !run('lock', 'npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: dir,
      })
    ) {
      process.exit(1);
    }
    fs.copyFileSync(path.join(dir, 'package-lock.json'), path.join(here, `${set}.lock.json`));
    console.log(`wrote plugin/compat/${set}.lock.json`);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
}

function test(set, resultsDir) {
  const lockfile = path.join(here, `${set}.lock.json`);
  if (!fs.existsSync(lockfile)) {
    usage(`No plugin/compat/${set}.lock.json: run node plugin/compat/package-set.mjs lock ${set}`);
  }
  const shipped = path.join(pluginDir, 'dist');
  const { top, dir } = scratchOf(set);
  fs.copyFileSync(lockfile, path.join(dir, 'package-lock.json'));
  const out = (name) => (resultsDir ? ['--json', `--outputFile=${path.join(resultsDir, `${set}-${name}.json`)}`] : []);
  const failed = [];
  const step = (title, command, args, env = {}) => {
    if (!run(`${set} ${title}`, command, args, { cwd: dir, env: { ...process.env, ...env } })) {
      failed.push(title);
      return false;
    }
    return true;
  };
  try {
    if (!step('install', 'npm', ['ci', '--no-audit', '--no-fund'])) {
      console.error(
        `\nThe ${set} lockfile may be out of step with plugin/package.json: ` +
          `node plugin/compat/package-set.mjs lock ${set}`
      );
    } else {
      step('type-check', 'npm', ['run', '--silent', 'typecheck']);
      step('unit tests', 'npx', ['jest', '--ci', '--maxWorkers=2', ...out('unit')]);
      if (step('production build', 'npm', ['run', '--silent', 'build'])) {
        step('checks of its own build', 'npx', [
          'jest',
          '--ci',
          '--config',
          'harness/jest.config.js',
          'harness/dist.test.ts',
          ...out('build'),
        ]);
      }
      if (fs.existsSync(path.join(shipped, 'plugin.json'))) {
        // The build users install, made with the repository's lockfile, rendered under this set.
        step(
          'shipped plugin/dist in the browser',
          'npx',
          ['jest', '--ci', '--config', 'harness/jest.config.js', ...out('browser')],
          {
            PLUGIN_DIST: shipped,
          }
        );
      } else {
        failed.push('shipped plugin/dist in the browser');
        console.error('\nNo plugin/dist to render: run `npm run build -w plugin` first');
      }
    }
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
  console.log(failed.length ? `\n${set}: failed: ${failed.join(', ')}` : `\n${set}: all checks passed`);
  process.exit(failed.length ? 1 : 0);
}

const [command, set, ...rest] = process.argv.slice(2);
if (!set || !fs.existsSync(path.join(here, `${set}.json`))) {
  usage(set ? `No package set ${set}` : undefined);
}
if (command === 'lock') {
  lock(set);
} else if (command === 'test') {
  const at = rest.indexOf('--results');
  const resultsDir = at >= 0 ? path.resolve(rest[at + 1] ?? usage('--results needs a folder')) : undefined;
  test(set, resultsDir);
} else {
  usage(`Unknown command ${command ?? ''}`);
}
