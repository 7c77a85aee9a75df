import fs from 'fs';
import type { AxeResults, Result, default as Axe } from 'axe-core';
import type { Page } from 'playwright-core';

/**
 * axe-core in the harness page. The rules are WCAG 2.2 AA's (and everything below it) plus axe's
 * best practices; a serious or critical violation fails the check, milder ones are reported only,
 * since several of those (landmarks, a page heading) are about the page around the panel.
 */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const FAILING_IMPACTS = new Set(['serious', 'critical']);

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

declare global {
  interface Window {
    axe?: typeof Axe;
  }
}

/** Runs axe on the whole page, so tooltips and other portals outside the panel are checked too. */
export async function runAxe(page: Page): Promise<AxeResults> {
  if (!(await page.evaluate(() => Boolean(window.axe)))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  return page.evaluate(
    (tags) =>
      window.axe!.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      }),
    AXE_TAGS
  );
}

/** The violations that fail the check. */
export function failing(results: AxeResults): Result[] {
  return results.violations.filter((v) => v.impact && FAILING_IMPACTS.has(v.impact));
}

/** One line per rule and node, for a failure message a person can act on. */
export function describeViolations(violations: Result[]): string[] {
  return violations.flatMap((v) =>
    v.nodes.map(
      (n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${(n.failureSummary ?? v.help).replace(/\s+/g, ' ')}`
    )
  );
}
