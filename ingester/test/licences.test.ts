import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

/**
 * What ships is Apache-2.0 and carries only permissively licensed code: the ingester with its
 * production dependencies, and the plugin's build, which holds the project's code alone.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PERMISSIVE = new Set([
  'MIT',
  'ISC',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'MIT-0',
  'BlueOak-1.0.0',
]);

interface Manifest {
  name: string;
  license?: string | { type: string };
  licenses?: { type: string }[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const licenceOf = (m: Manifest) =>
  typeof m.license === 'string'
    ? m.license
    : (m.license?.type ?? m.licenses?.map((l) => l.type).join(' OR ') ?? '');

/** A package as Node resolves it from `from`: the nearest node_modules that has it. */
function manifestPath(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Every package the ingester needs at run time, with its declared licence. */
function productionTree(): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (name: string, from: string, optional: boolean) => {
    const path = manifestPath(name, from);
    if (!path) {
      if (!optional) throw new Error(`${name} is not installed (needed from ${relative(ROOT, from)})`);
      return;
    }
    if (found.has(path)) return;
    const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    found.set(path, licenceOf(m));
    for (const d of Object.keys(m.dependencies ?? {})) visit(d, dirname(path), false);
    for (const d of Object.keys(m.optionalDependencies ?? {})) visit(d, dirname(path), true);
  };
  const ingester = JSON.parse(readFileSync(join(ROOT, 'ingester/package.json'), 'utf8')) as Manifest;
  for (const d of Object.keys(ingester.dependencies ?? {})) visit(d, join(ROOT, 'ingester'), false);
  return found;
}

/** An SPDX expression is acceptable when every alternative of an OR, or every part of an AND, is. */
function permissive(expression: string): boolean {
  const e = expression.replace(/[()]/g, '').trim();
  if (/ OR /.test(e)) return e.split(/ OR /).some((x) => permissive(x));
  if (/ AND /.test(e)) return e.split(/ AND /).every((x) => permissive(x));
  return PERMISSIVE.has(e);
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory()
      ? sourceFiles(p)
      : /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f)
        ? [p]
        : [];
  });

describe('licences of what ships', () => {
  it('the project and its packages are Apache-2.0', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
    for (const pkg of ['package.json', 'ingester/package.json', 'plugin/package.json'])
      expect(licenceOf(JSON.parse(readFileSync(join(ROOT, pkg), 'utf8')) as Manifest)).toBe('Apache-2.0');
  });

  it('every production dependency of the ingester is under a permissive licence', () => {
    const tree = productionTree();
    expect(tree.size).toBeGreaterThan(100);
    const refused = [...tree]
      .filter(([, l]) => !permissive(l))
      .map(([p, l]) => `${relative(ROOT, p)}: ${l || 'none'}`);
    expect(refused).toEqual([]);
    expect(permissive('AGPL-3.0-only')).toBe(false);
    expect(permissive('(MIT OR GPL-3.0)')).toBe(true);
  });

  it('the plugin imports only what Grafana provides at run time, so its build holds only the project’s code', () => {
    const provided = new Set([
      'react',
      '@grafana/data',
      '@grafana/ui',
      '@grafana/runtime',
      '@emotion/css',
      'rxjs',
    ]);
    const imported = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'plugin/src')))
      for (const m of readFileSync(file, 'utf8').matchAll(/from '([^'.][^']*)'/g)) imported.add(m[1]!);
    expect(imported.size).toBeGreaterThan(3);
    expect([...imported].filter((name) => !provided.has(name))).toEqual([]);
  });
});
