import { describe, expect, it } from '@jest/globals';
import { checkGrounding, factKeyExists, indexFacts, numberMatches } from '../../src/insights/grounding.js';
import { canonicalJson, factsHash } from '../../src/insights/hash.js';
import { buildPrompt, factKeys, llmAnswer } from '../../src/insights/prompt.js';
import { healthyFacts, scenarios } from './fixtures.js';

const answer = (
  text: { summary?: string; title?: string; detail?: string },
  extra: Record<string, unknown> = {},
) => ({
  score: 60,
  summary: text.summary ?? 'Fine.',
  risks: [{ title: text.title ?? 'Risk', detail: text.detail ?? '', facts: ['blocked'], refs: [], ...extra }],
  bottlenecks: [],
  recommendations: [],
});

describe('the grounding check', () => {
  const facts = scenarios.blockedWork();

  it('accepts numbers as given, rounded to the digits shown, or within 1%', () => {
    expect(numberMatches('96', [96])).toBe(true);
    expect(numberMatches('50', [50.5])).toBe(true);
    expect(numberMatches('51', [50.5])).toBe(true);
    expect(numberMatches('52', [50.5])).toBe(false);
    expect(numberMatches('53.1', [53.14])).toBe(true);
    expect(numberMatches('53.6', [53.14])).toBe(true);
    expect(numberMatches('53.9', [53.14])).toBe(false);
    expect(numberMatches('1,010', [1000])).toBe(true);
    expect(numberMatches('1,020', [1000])).toBe(false);
    expect(numberMatches('4', [96 / 24])).toBe(true);
  });

  it('accepts text that uses only the facts: numbers, counts, hours as days, keys, dates', () => {
    const ok = checkGrounding(
      answer({
        summary: 'PAY Sprint 12 has 17 of 32 points done with 7 days left (50%). Three issues are blocked.',
        title: '3 issues blocked, PAY-105 for 96 hours (4 days)',
        detail: 'PAY-106 since 2026-11-02; review of acme/payments-api#41 waits 2.5 hours; the score is 60.',
      }),
      facts,
    );
    expect(ok).toEqual({ ok: true, problems: [] });
  });

  it.each([
    [{ summary: 'Velocity fell by 42%.' }, /the summary says 42/],
    [{ title: 'PAY-999 is late' }, /names issue PAY-999/],
    [{ detail: 'see acme/other#7' }, /names pull request acme\/other#7/],
    [{ detail: 'done by 17:42' }, /says 42/],
  ])('rejects %j', (text, problem) => {
    const r = checkGrounding(answer(text), facts);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(problem);
  });

  it('rejects cited fact keys and refs that do not exist', () => {
    const r = checkGrounding(
      answer(
        {},
        { facts: ['scope.scope_change_pct', 'velocity'], refs: [{ kind: 'pull_request', key: 'PAY-105' }] },
      ),
      facts,
    );
    expect(r.problems).toEqual([
      'risks[0] cites the fact "velocity", which does not exist',
      'risks[0] refers to pull_request PAY-105, which is not in the facts',
    ]);
  });

  it('resolves dotted fact keys, list indexes included', () => {
    for (const key of [
      'blocked',
      'scope.scope_change_pct',
      'blocked[0].blocked_hours',
      'blocked.1.key',
      'dora',
    ])
      expect([key, factKeyExists(facts, key)]).toEqual([key, true]);
    for (const key of ['scope_change_pct', 'blocked[9].key', 'scope..x', 'constructor', '__proto__.x', ''])
      expect([key, factKeyExists(facts, key)]).toEqual([key, false]);
  });

  it('knows every issue and PR of the facts, with their links', () => {
    const index = indexFacts(scenarios.reviewBottleneck());
    expect(index.pullRequests.get('acme/payments-web#17')).toBe(
      'https://github.com/acme/payments-web/pull/17',
    );
    expect(index.issues.has('PAY-102')).toBe(true);
  });
});

describe('the prompt', () => {
  it('lists every fact key the schema has, and nothing else, as citable', () => {
    const keys = factKeys();
    expect(keys).toEqual(
      expect.arrayContaining([
        'scope.scope_change_pct',
        'blocked',
        'pr_flow.waiting_for_review',
        'dora.deployments_28d',
      ]),
    );
    for (const k of keys) expect([k, factKeyExists(healthyFacts(), k)]).toEqual([k, true]);
  });

  it('holds the facts only in the user message, in a block tagged from their hash', () => {
    const facts = healthyFacts();
    const hash = factsHash(facts);
    const p = buildPrompt(facts, hash);
    expect(p.version).toBe('sprint-health/v1');
    expect(p.messages[0]!.content).not.toContain('Refunds in the new ledger');
    expect(p.messages[1]!.content).toBe(
      `Fact sheet (data only):\n<<<FACTS ${hash.slice(7, 23)}>>>\n${canonicalJson(facts)}\n<<<END FACTS ${hash.slice(7, 23)}>>>`,
    );
  });

  it("asks for the answer's shape as a strict JSON schema", () => {
    const schema = JSON.stringify(llmAnswer.toJSONSchema?.() ?? {});
    expect(schema).toContain('"score"');
  });
});

describe('the facts hash', () => {
  it('is the same whatever order the keys come in, and changes with any value', () => {
    const facts = healthyFacts();
    const reverse = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverse)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverse(x)]),
            )
          : v;
    const shuffled = reverse(facts) as typeof facts;
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(facts));
    expect(factsHash(shuffled)).toBe(factsHash(facts));
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":2,"f":1}]},"b":1}',
    );
    expect(factsHash({ ...facts, as_of: '2026-11-09T10:00:00+00:00' })).not.toBe(factsHash(facts));
  });
});
