import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { factsHash } from '../../src/insights/hash.js';
import { writeInsight } from '../../src/insights/insight.js';
import { LlmWriter } from '../../src/insights/llm.js';
import { SCORE_RULES_VERSION, decide, statusFor } from '../../src/insights/score.js';
import type { SprintFacts } from '../../src/insights/facts.js';
import { capturedLogger } from '../support/logs.js';
import { FakeOpenAI, groundedAnswer, type Reply } from './fake-openai.js';
import { healthyFacts, scenarios } from './fixtures.js';

/**
 * One score per sprint, whoever writes: for the same facts the served status, score and
 * score basis are the engine's, with the LLM off, answering well, answering with a
 * status and score of its own, slow, failing, or answering nonsense.
 */

const KEY = 'sk-test-key-0123456789';
const fake = new FakeOpenAI();
const logs = capturedLogger([KEY]);
/** Waits long enough for an answer on a busy machine; `hasty` gives up on the slow model soon. */
let llm: LlmWriter;
let hasty: LlmWriter;

beforeAll(async () => {
  await fake.start();
  const settings = { apiKey: KEY, baseUrl: fake.url, model: 'gpt-test' };
  llm = new LlmWriter({ ...settings, timeoutMs: 10_000 }, logs.log);
  hasty = new LlmWriter({ ...settings, timeoutMs: 300 }, logs.log);
});
afterAll(() => fake.stop());

const meta = (facts: SprintFacts) => ({
  factsHash: factsHash(facts),
  generatedAt: new Date('2026-11-09T09:05:00Z'),
});

const writers: [string, ((f: SprintFacts) => Reply) | null][] = [
  ['the LLM off', null],
  ['the LLM answering', (f) => ({ kind: 'answer', content: groundedAnswer(f) })],
  [
    'the LLM sending a status and score of its own',
    (f) => ({ kind: 'answer', content: { ...groundedAnswer(f), status: 'on_track', score: 100 } }),
  ],
  ['the LLM slow', (f) => ({ kind: 'answer', content: groundedAnswer(f), delayMs: 2000 })],
  ['the LLM failing', () => ({ kind: 'error', status: 500 })],
  ['the LLM answering nonsense', () => ({ kind: 'raw', content: '{"summary": ' })],
  [
    'the LLM answering with a number of its own',
    (f) => ({ kind: 'answer', content: { ...groundedAnswer(f), summary: 'All is well: score 55.' } }),
  ],
];

describe('one score per sprint, whoever writes', () => {
  it.each(Object.entries({ healthy: healthyFacts, ...scenarios }))(
    '%s: the same status, score and basis with the LLM off, on, slow and failing',
    async (_name, make) => {
      const facts = make();
      const expected = decide(facts);
      const served = [];
      for (const [how, reply] of writers) {
        if (reply) fake.reply = (f) => reply(f);
        const writer = reply ? (how === 'the LLM slow' ? hasty : llm) : undefined;
        const { insight } = await writeInsight(facts, meta(facts), writer);
        served.push({
          how,
          source: insight.source,
          verdict: [insight.status, insight.score, insight.scoreBasis],
        });
      }
      for (const s of served)
        expect({ how: s.how, verdict: s.verdict }).toEqual({
          how: s.how,
          verdict: [expected.status, expected.score, expected.basis],
        });
      // And it was the LLM that wrote the words, where it could.
      expect(served.map((s) => s.source)).toEqual([
        'rules',
        'llm',
        'llm',
        'rules',
        'rules',
        'rules',
        'rules',
      ]);
    },
  );

  it('says which rules scored it, and why the rules wrote the words', async () => {
    const facts = scenarios.blockedWork();
    fake.reply = () => ({ kind: 'raw', content: '{"summary": ' });
    const { insight } = await writeInsight(facts, meta(facts), llm);
    expect(insight.scoreBasis).toMatchObject({
      rules: SCORE_RULES_VERSION,
      sentence: 'At risk: 3 issues blocked, PAY-105 for 4 days',
      decisive: 'blocked',
      deductions: [{ rule: 'blocked', points: 35 }],
    });
    expect(insight.fallbackReason).toMatch(/^the LLM answer was not valid JSON: /);
    expect(insight.promptVersion).toBeNull();
  });

  it('names the field and what was wrong when the answer has the wrong shape', async () => {
    const facts = scenarios.blockedWork();
    fake.reply = (f) => {
      const a = groundedAnswer(f);
      return { kind: 'answer', content: { ...a, risks: [{ ...a.risks[0], severity: 'urgent' }] } };
    };
    const { insight } = await writeInsight(facts, meta(facts), llm);
    expect(insight.fallbackReason).toBe(
      "the LLM answer did not have the insight's shape: risks[0].severity should be one of high, medium or low",
    );
    fake.reply = (f) => {
      const { summary: _none, ...a } = groundedAnswer(f);
      return { kind: 'answer', content: { ...a, risks: 'none' } };
    };
    const missing = await writeInsight(facts, meta(facts), llm);
    expect(missing.insight.fallbackReason).toBe(
      "the LLM answer did not have the insight's shape: summary is missing (and 1 more problem)",
    );
  });

  it('raises the status by the finding that forced it, and says so', () => {
    expect(statusFor(90, [{ severity: 'medium', floor: 'at_risk' }])).toEqual({
      status: 'at_risk',
      raisedBy: 0,
    });
    expect(statusFor(90, [{ severity: 'low' }, { severity: 'high' }])).toEqual({
      status: 'at_risk',
      raisedBy: 1,
    });
    expect(statusFor(40, [{ severity: 'high', floor: 'off_track' }])).toEqual({
      status: 'off_track',
      raisedBy: null,
    });
    expect(statusFor(60, [])).toEqual({ status: 'at_risk', raisedBy: null });
  });
});
