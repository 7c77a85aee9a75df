import path from 'path';
import { build } from 'esbuild';

// A tool cache, like babel-loader's: out of the way of linters and formatters, and never committed.
export const HARNESS_BUILD_DIR = path.resolve(__dirname, '../node_modules/.cache/sprint-health-harness');

/** Bundles the harness page (React, @grafana/* and the glue, not the panel) for the browser. */
export async function bundleHarnessPage(): Promise<string> {
  const outfile = path.join(HARNESS_BUILD_DIR, 'harness.js');
  await build({
    entryPoints: [path.resolve(__dirname, 'page/main.tsx')],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    // @grafana/ui pulls in Monaco, whose CSS refers to fonts and images the panel never shows.
    loader: { '.svg': 'text', '.ttf': 'empty', '.woff': 'empty', '.woff2': 'empty', '.png': 'empty' },
  });
  return outfile;
}
