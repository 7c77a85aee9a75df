import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { createApp } from '../../src/api/app.js';
import { listen, type RunningServer } from '../../src/api/server.js';
import { loadSettings } from '../../src/config/settings.js';
import { NO_LLM_REASON } from '../../src/insights/insight.js';
import { writeWithRules } from '../../src/insights/rules.js';
import { dashboardUrl, renderSlack, type SlackBlock } from '../../src/slack/blocks.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { capturedLogger } from '../support/logs.js';
import { factsWith, scenarios } from '../insights/fixtures.js';
import { SEED_NOW, SEED_ORGANISATION, seedSprint } from '../insights/seed.js';
import { FakeSlack, SLACK_TOKEN } from './fake-slack.js';

/**
 * Slack summaries: Block Kit rendering, and POST /slack/summaries with the real
 * @slack/web-api client against a fake Slack on loopback, on a seeded database.
 */

const TOKEN = 'test-token-0123456789abcdef';
const GRAFANA = 'https://grafana.acme.test';

const textOf = (blocks: SlackBlock[]) =>
  blocks
    .map((b) =>
      'text' in b && b.text
        ? b.text.text
        : 'fields' in b && b.fields
          ? b.fields.map((f) => f.text).join('\n')
          : 'elements' in b
            ? JSON.stringify(b.elements)
            : '',
    )
    .join('\n');

describe('Block Kit for an insight', () => {
  const insight = writeWithRules(scenarios.blockedWork(), {
    factsHash: 'sha256:x',
    generatedAt: new Date('2026-11-09T09:05:00Z'),
  });

  it('says in the footer who wrote it and why, once, without nested brackets', () => {
    const { blocks } = renderSlack({ ...insight, fallbackReason: NO_LLM_REASON }, { grafanaUrl: GRAFANA });
    const footer = JSON.stringify(blocks[blocks.length - 1]);
    expect(footer).toContain('Rule-based (no LLM is configured: OPENAI_API_KEY is not set)');
    expect(footer).not.toMatch(/\([^)]*\(/);
  });

  it('shows status with an emoji, score, summary, top risks with links and the dashboard button', () => {
    const { blocks, text } = renderSlack(insight, { grafanaUrl: GRAFANA });
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':large_yellow_circle: PAY Sprint 12: At risk', emoji: true },
    });
    const all = textOf(blocks);
    expect(all).toContain(`*Score*\n${insight.score}/100`);
    expect(all).toContain('*Team*\npayments');
    expect(all).toContain(insight.summary);
    expect(all).toContain('*Top risks*');
    expect(all).toContain(':rotating_light: *3 issues blocked, PAY-105 for 4 days*');
    expect(all).toContain('<https://acme.atlassian.net/browse/PAY-105|PAY-105>');
    const actions = blocks.find((b) => b.type === 'actions') as Extract<SlackBlock, { type: 'actions' }>;
    expect(actions.elements[0]!.url).toBe(
      `${GRAFANA}/d/engmetrics-sprint-health?var-team=payments&var-sprint=501`,
    );
    expect(all).toContain('Rule-based');
    expect(text).toMatch(/^PAY Sprint 12: At risk \(score \d+\)\. /);
  });

  it('says what the sprint figures rest on: the issues, those without an estimate, and the instant the facts describe', () => {
    const line = (unestimatedIssues: number, issues = 28) =>
      textOf(
        renderSlack(insight, {
          grafanaUrl: GRAFANA,
          evidence: { issues, unestimatedIssues, asOf: '2026-12-06T10:00:00.000Z' },
        }).blocks,
      );
    expect(line(3)).toContain(
      'Rests on 28 issues (3 without an estimate, counted as no points) · facts as of 2026-12-06 10:00 UTC',
    );
    expect(line(0, 1)).toContain('Rests on 1 issue, every one estimated · facts as of 2026-12-06 10:00 UTC');
    expect(textOf(renderSlack(insight, { grafanaUrl: GRAFANA }).blocks)).not.toContain('Rests on');
  });

  it('says how likely the sprint is to finish and the 85% date, or why there is no forecast', () => {
    // The fixtures' forecast: 91.2% likely, 85% of the trials done by Fri 13 Nov.
    expect(textOf(renderSlack(insight, { grafanaUrl: GRAFANA }).blocks)).toContain(
      '*Forecast*\n91.2% likely to finish · 85% likely done by Fri 13 Nov',
    );
    const f = insight.forecast!;
    const thin = { ...insight, forecast: { ...f, state: 'low_history' as const, historyDays: 14 } };
    expect(textOf(renderSlack(thin, { grafanaUrl: GRAFANA }).blocks)).toContain(
      '91.2% likely to finish · 85% likely done by Fri 13 Nov (from 14 working days of history)',
    );
    const refused = {
      ...insight,
      forecast: {
        ...f,
        state: 'refused' as const,
        reason: 'only 6 working days of history; a forecast needs at least 10',
        finishProbabilityPct: null,
        doneBy: [],
      },
    };
    expect(textOf(renderSlack(refused, { grafanaUrl: GRAFANA }).blocks)).toContain(
      '*Forecast*\nNo forecast: only 6 working days of history; a forecast needs at least 10',
    );
    const never = { ...insight, forecast: { ...f, doneBy: f.doneBy.map((d) => ({ ...d, date: null })) } };
    expect(textOf(renderSlack(never, { grafanaUrl: GRAFANA }).blocks)).toContain(
      'not likely done within a year',
    );
    expect(textOf(renderSlack({ ...insight, forecast: null }, { grafanaUrl: GRAFANA }).blocks)).not.toContain(
      'Forecast',
    );
  });

  it("shows the score's basis in the words the API serves, and which rules scored it", () => {
    const { blocks } = renderSlack(insight, { grafanaUrl: GRAFANA });
    const score = blocks.findIndex((b) => b.type === 'section' && b.fields?.[0]?.text.startsWith('*Score*'));
    expect(blocks[score + 1]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${insight.scoreBasis.sentence} · score rules sprint-score/v2`,
        },
      ],
    });
    expect(insight.scoreBasis.sentence).toBe('At risk: 3 issues blocked, PAY-105 for 4 days');
  });

  it('says which items of the LLM answer the check left out, and why', () => {
    const refused = {
      ...insight,
      source: 'llm' as const,
      model: 'gpt-test',
      refused: [
        {
          section: 'risks' as const,
          index: 1,
          reasons: ['its detail writes the number 14 itself, where a number must name its fact'],
        },
      ],
    };
    const footer = renderSlack(refused, { grafanaUrl: GRAFANA }).blocks.at(-1)!;
    expect(JSON.stringify(footer)).toContain(
      'Written by gpt-test · 1 item left out by the grounding check: risk 2 (its detail writes the number 14 itself, where a number must name its fact) · 2026-11-09 09:05 UTC',
    );
  });

  it('shows at most three risks, and a calm line when there are none', () => {
    const many = writeWithRules(
      factsWith({
        ...scenarios.reviewBottleneck(),
        blocked: scenarios.blockedWork().blocked,
        scope: scenarios.scopeCreep().scope,
        added_after_start: scenarios.scopeCreep().added_after_start,
        carry_over: {
          carried_in_issues: 1,
          carried_twice_or_more: [{ key: 'PAY-90', summary: 'x', url: null, sprints: 3 }],
        },
      }),
      { factsHash: 'h', generatedAt: new Date() },
    );
    expect(many.risks.length).toBeGreaterThan(3);
    const sections = renderSlack(many, { grafanaUrl: GRAFANA }).blocks.filter(
      (b) => b.type === 'section' && b.text?.text.startsWith(':'),
    );
    expect(sections).toHaveLength(3);
    const calm = writeWithRules(factsWith({}), { factsHash: 'h', generatedAt: new Date() });
    expect(textOf(renderSlack(calm, { grafanaUrl: GRAFANA }).blocks)).toContain('No risks stand out');
  });

  it('escapes text from Jira, GitHub or an LLM so it cannot ping, link or format', () => {
    const evil = {
      ...insight,
      summary: 'Done <!channel> & <https://evil.example|click here>.',
      risks: [
        {
          ...insight.risks[0]!,
          title: '<@U123> wins',
          refs: [{ kind: 'issue' as const, key: 'PAY-1', url: 'https://x.test/a|b>c' }],
        },
      ],
    };
    const all = textOf(renderSlack(evil, { grafanaUrl: GRAFANA }).blocks);
    expect(all).toContain('Done &lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;.');
    expect(all).toContain('*&lt;@U123&gt; wins*');
    expect(all).toContain('<https://x.test/a%7Cb%3Ec|PAY-1>');
    expect(all).not.toContain('<!channel>');
  });

  it('encodes team names in the dashboard link', () => {
    expect(dashboardUrl('http://g:3000/', 'core web', 7)).toBe(
      'http://g:3000/d/engmetrics-sprint-health?var-team=core+web&var-sprint=7',
    );
  });
});

describe('POST /slack/summaries', () => {
  let t: TestDatabase;
  const slack = new FakeSlack();
  const servers: RunningServer[] = [];
  let api: RunningServer;
  const logs = capturedLogger([SLACK_TOKEN]);

  const start = async (env: Record<string, string>) => {
    // The API's clock is the seed's: its sprint is the active one whatever today is.
    const settings = loadSettings({
      API_TOKEN: TOKEN,
      GRAFANA_URL: GRAFANA,
      ENGMETRICS_NOW: new Date(SEED_NOW).toISOString(),
      ...env,
    });
    const app = createApp({
      settings,
      organisation: SEED_ORGANISATION,
      db: t.db,
      log: logs.log,
      apiToken: TOKEN,
    });
    const s = await listen(app, '127.0.0.1', 0);
    servers.push(s);
    return s;
  };
  const post = async (server: RunningServer, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/slack/summaries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read by the assertions
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    await seedSprint(t.db);
    await slack.start();
    api = await start({
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_CHANNEL: '#team-payments',
      SLACK_API_URL: slack.url,
    });
  });
  afterAll(async () => {
    for (const s of servers) await s.close(100);
    await slack.stop();
    await t.drop();
  });

  it('returns the blocks of a dry run without posting', async () => {
    const res = await post(api, { team: 'payments', dryRun: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: true,
      posted: false,
      team: 'payments',
      sprint: { id: 501, name: 'PAY Sprint 12' },
      channel: '#team-payments',
      ts: null,
      source: 'rules',
    });
    expect(res.body.blocks[0].type).toBe('header');
    // What the figures rest on, from the sprint's fact sheet.
    expect(JSON.stringify(res.body.blocks)).toMatch(
      /Rests on \d+ issues.* · facts as of 2026-12-02 10:00 UTC/,
    );
    expect(slack.calls).toHaveLength(0);
  });

  it("posts the team's summary once a day: the second is skipped, unless forced", async () => {
    const first = await post(api, {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      dryRun: false,
      posted: true,
      skipped: null,
      channel: '#team-payments',
      team: 'payments',
    });
    expect(first.body.ts).toMatch(/^\d+\.\d+$/);
    const sent = slack.posts();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.token).toBe(SLACK_TOKEN);
    expect(sent[0]!.args.channel).toBe('#team-payments');
    expect(sent[0]!.args.blocks).toEqual(first.body.blocks);
    expect(String(sent[0]!.args.text)).toMatch(/^PAY Sprint 12: /);
    expect(textOf(first.body.blocks)).toContain('var-team=payments&var-sprint=501');

    const second = await post(api, { sprint: 501, channel: '#general' });
    expect(second.status).toBe(200);
    expect(second.body.posted).toBe(false);
    expect(second.body.skipped).toMatch(/already had its summary posted today .*#team-payments.*force/);
    expect(slack.posts()).toHaveLength(1);

    const forced = await post(api, { team: 'payments', force: true, channel: '#general' });
    expect(forced.body).toMatchObject({ posted: true, channel: '#general' });
    expect(slack.posts()).toHaveLength(2);

    const { rows } = await t.db.query<{ status: string; forced: boolean; message_ts: string }>(
      `SELECT status, forced, message_ts FROM ops.slack_posts WHERE team = 'payments' ORDER BY id`,
    );
    expect(rows.map((r) => [r.status, r.forced])).toEqual([
      ['posted', false],
      ['posted', true],
    ]);
    expect(rows[0]!.message_ts).toBe(first.body.ts);
  });

  it('lets only one of two simultaneous posts through', async () => {
    await t.db.query(`DELETE FROM ops.slack_posts`);
    const before = slack.posts().length;
    const [a, b] = await Promise.all([post(api, { team: 'payments' }), post(api, { team: 'payments' })]);
    expect([a.body.posted, b.body.posted].sort()).toEqual([false, true]);
    expect(slack.posts().length - before).toBe(1);
  });

  it('turns channel_not_found into a 502 problem that names the channel, and frees the day', async () => {
    const res = await post(api, { team: 'payments', channel: '#nope', force: true });
    expect(res.status).toBe(502);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 502, code: 'upstream_failed' });
    expect(res.body.detail).toBe(
      'Slack: channel_not_found: the channel "#nope" does not exist or the bot cannot see it',
    );
    const { rows } = await t.db.query<{ status: string; error: string }>(
      `SELECT status, error FROM ops.slack_posts WHERE channel = '#nope'`,
    );
    expect(rows).toEqual([{ status: 'failed', error: res.body.detail }]);
  });

  it('turns invalid_auth into a 502 problem that names the token, and never logs it', async () => {
    const bad = await start({
      SLACK_BOT_TOKEN: 'xoxb-revoked-999999',
      SLACK_CHANNEL: '#team-payments',
      SLACK_API_URL: slack.url,
    });
    const res = await post(bad, { team: 'payments', force: true });
    expect(res.status).toBe(502);
    expect(res.body.detail).toBe('Slack: invalid_auth: SLACK_BOT_TOKEN is not valid');
    expect(logs.lines.join('\n')).not.toContain(SLACK_TOKEN);
  });

  it('turns a network failure into a 502 problem', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = await start({
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_CHANNEL: '#team-payments',
      SLACK_API_URL: `http://127.0.0.1:${port}/api`,
    });
    const res = await post(down, { team: 'payments', force: true });
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/^Slack: could not be reached: /);
  });

  it('answers 503 when Slack is not configured (a dry run still works)', async () => {
    const none = await start({});
    const before = logs.lines.length;
    const res = await post(none, { team: 'payments' });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('slack_not_configured');
    // Expected, so said as a warning without a stack.
    const said = logs.lines.slice(before).filter((l) => l.includes('slack_not_configured'));
    expect(said.length).toBeGreaterThan(0);
    expect(said.every((l) => /"level":40/.test(l) && !/"stack"/.test(l))).toBe(true);
    expect((await post(none, { team: 'payments', dryRun: true })).status).toBe(200);
  });

  it('refuses a body that is not JSON with 415, saying so', async () => {
    const res = await post(api, 'team=payments', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toBe(
      'The request body must be application/json, not application/x-www-form-urlencoded',
    );
  });

  it('asks for a channel when none is given or configured', async () => {
    const noChannel = await start({ SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: slack.url });
    const res = await post(noChannel, { team: 'payments' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/channel is required/);
  });

  it.each([
    [{ dryRun: 'yes' }, 'body.dryRun'],
    [{ force: 1 }, 'body.force'],
    [{ team: 'payments', sprint: 501 }, 'body.team'],
    [{ sprint: 'abc' }, 'body.sprint'],
    [{ channel: 'not a channel!' }, 'body.channel'],
    [{ colour: 'blue' }, 'body'],
  ])('answers %j with a 400 naming %s', async (body, where) => {
    const res = await post(api, body);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path.startsWith(where)).toBe(true);
  });

  it('answers a malformed body with 400, an unknown team with 404, and no token with 401', async () => {
    expect((await post(api, '{"team": ')).status).toBe(400);
    const unknown = await post(api, { team: 'nobody', dryRun: true });
    expect(unknown.status).toBe(404);
    expect((await post(api, { dryRun: true }, { authorization: '' })).status).toBe(401);
  });
});
