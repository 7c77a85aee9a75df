import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { loadDashboards, type DashboardJson, type PanelJson } from '../support/grafana/harness.js';

/**
 * DORA's guidance: the metrics describe a team's delivery against its own past; they are not
 * for ranking teams against each other, and never for ranking people; and throughput is read
 * with its instability beside it. This lint reads every provisioned panel's SQL and table
 * options and names each panel or row that breaks one of these.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Columns that name a person. */
const PERSON =
  /\b(author(_login)?|login|reviewers?|assignee|committer|creator|reporter|user_login|person|developer)\b/;
/** A panel's query is about several teams when it reads every team or groups by team. */
const ACROSS_TEAMS = /\bmetrics\.teams\b|\bgroup\s+by\b[^;]*\bteam\b/;

/** The text of a clause up to the next top-level clause of the query (comments and strings dropped). */
function clause(sql: string, keyword: RegExp): string[] {
  const plain = sql
    .replace(/--[^\n]*/g, '')
    .replace(/'[^']*'/g, "''")
    .toLowerCase();
  const out: string[] = [];
  for (const m of plain.matchAll(new RegExp(keyword.source, 'g'))) {
    const rest = plain.slice(m.index! + m[0].length);
    const end = rest.search(/\b(order\s+by|group\s+by|having|limit|offset|window|union|\))|;|$/);
    out.push(rest.slice(0, end === -1 ? undefined : end).trim());
  }
  return out;
}

/** The panels that rank people or teams, each with why. */
export function rankingProblems(dashboard: DashboardJson): string[] {
  const problems: string[] = [];
  const panels = (list: PanelJson[] = []): PanelJson[] => list.flatMap((p) => [p, ...panels(p.panels)]);
  for (const panel of panels(dashboard.panels)) {
    const name = `${dashboard.title ?? dashboard.uid} / ${panel.title ?? panel.type}`;
    for (const target of panel.targets ?? []) {
      const sql = target.rawSql ?? '';
      const grouped = [
        ...clause(sql, /\bgroup\s+by\b/),
        ...clause(sql, /\bpartition\s+by\b/),
        ...clause(sql, /\bdistinct\s+on\b/),
      ];
      if (grouped.some((g) => PERSON.test(g))) problems.push(`${name}: aggregates a metric per person`);
      if (ACROSS_TEAMS.test(sql.toLowerCase())) {
        const orders = clause(sql, /\border\s+by\b/);
        const last = orders[orders.length - 1];
        if (last !== undefined && !/^((t|s|x)\.)?team(\s+asc)?$/.test(last))
          problems.push(`${name}: orders teams by ${last}, not by name`);
      }
    }
    const sortBy = (panel as PanelJson & { options?: { sortBy?: { displayName: string }[] } }).options
      ?.sortBy;
    for (const s of sortBy ?? [])
      if (!/^(team|name|time)$/i.test(s.displayName))
        if (
          (panel.targets ?? []).some(
            (t) => ACROSS_TEAMS.test((t.rawSql ?? '').toLowerCase()) || PERSON.test(t.rawSql ?? ''),
          )
        )
          problems.push(`${name}: sorted by ${s.displayName}`);
  }
  return problems;
}

/**
 * DORA's throughput shown (deployment frequency or change lead time, in hours: Jira's lead
 * time of an issue, in days, is flow), and its instability pair.
 */
const THROUGHPUT =
  /deployment frequency|deployments_per_week|deployments per (day|week)|change lead time|lead_time_p\d+_h\b/i;
const CHANGE_FAIL = /change[ _]fail/i;
const REWORK = /rework/i;

/** Each row (the panels up to the next row panel, or a collapsed row's own) that shows throughput without both instability metrics. */
export function unpairedThroughput(dashboard: DashboardJson): string[] {
  const rows = new Map<string, PanelJson[]>();
  let row = '(top)';
  for (const p of dashboard.panels ?? []) {
    if (p.type === 'row') {
      row = p.title ?? '(row)';
      rows.set(row, [...(p.panels ?? [])]);
    } else rows.set(row, [...(rows.get(row) ?? []), p]);
  }
  const problems: string[] = [];
  for (const [title, panels] of rows) {
    const text = panels
      .map((p) => `${p.title ?? ''}\n${(p.targets ?? []).map((t) => t.rawSql ?? '').join('\n')}`)
      .join('\n');
    if (THROUGHPUT.test(text) && !(CHANGE_FAIL.test(text) && REWORK.test(text)))
      problems.push(
        `${dashboard.title ?? dashboard.uid} / ${title}: throughput without change fail and rework rate`,
      );
  }
  return problems;
}

const dashboards = loadDashboards(join(ROOT, 'provisioning/dashboards'));

describe('the dashboards rank nobody', () => {
  it('reads every provisioned dashboard and the queries of its panels', () => {
    expect(dashboards.map((d) => d.content.uid).sort()).toHaveLength(4);
    const queries = dashboards.flatMap((d) =>
      (d.content.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]).flatMap((p) => p.targets ?? []),
    );
    expect(queries.length).toBeGreaterThan(50);
  });

  it('no panel lists people by a metric, and no panel orders teams by one', () => {
    expect(dashboards.flatMap((d) => rankingProblems(d.content))).toEqual([]);
  });

  it('shows each team against its own previous period, listed by name, coloured by nothing', () => {
    const dora =
      dashboards.find((d) => d.content.uid === 'engmetrics-dora')?.content ?? dashboards[0]!.content;
    const all = (dora.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
    const teams = all.find((p) => p.title === 'Each team against its own previous period') as
      (PanelJson & { fieldConfig: { overrides: { properties: { id: string }[] }[] } }) | undefined;
    expect(teams).toBeDefined();
    expect(teams!.targets![0]!.rawSql).toMatch(/ORDER BY t\.team\s*$/);
    const colouring = teams!.fieldConfig.overrides.flatMap((o) => o.properties.map((p) => p.id));
    expect(colouring).not.toContain('thresholds');
    expect(all.some((p) => p.title === 'Teams compared')).toBe(false);
  });

  it.each([
    [
      'people ranked by reviews',
      {
        type: 'table',
        title: 'Top reviewers',
        targets: [
          {
            rawSql:
              'SELECT reviewer, count(*) AS reviews FROM metrics.reviews GROUP BY reviewer ORDER BY 2 DESC',
          },
        ],
      },
      'Top reviewers: aggregates a metric per person',
    ],
    [
      'people ranked within a window',
      {
        type: 'table',
        title: 'Fastest authors',
        targets: [
          {
            rawSql:
              'SELECT DISTINCT author, rank() OVER (PARTITION BY author ORDER BY lead_time_s) FROM metrics.team_pull_requests',
          },
        ],
      },
      'Fastest authors: aggregates a metric per person',
    ],
    [
      'teams ordered by lead time',
      {
        type: 'table',
        title: 'Fastest teams',
        targets: [
          {
            rawSql:
              "SELECT t.team, s.lead_time_p50_h FROM metrics.teams t, LATERAL metrics.dora_summary(t.team, now() - interval '90 days', now()) s ORDER BY s.lead_time_p50_h",
          },
        ],
      },
      'Fastest teams: orders teams by s.lead_time_p50_h, not by name',
    ],
    [
      'a team table sorted by a metric in its options',
      {
        type: 'table',
        title: 'Teams sorted',
        options: { sortBy: [{ displayName: 'Deployments', desc: true }] },
        targets: [{ rawSql: 'SELECT t.team, 1 AS deployments FROM metrics.teams t ORDER BY t.team' }],
      },
      'Teams sorted: sorted by Deployments',
    ],
  ])('fails on a planted panel: %s', (_label, planted, problem) => {
    const dashboard: DashboardJson = {
      ...dashboards[0]!.content,
      panels: [...(dashboards[0]!.content.panels ?? []), planted as PanelJson],
    };
    expect(rankingProblems(dashboard).map((p) => p.slice(p.indexOf(' / ') + 3))).toEqual([problem]);
  });
});

describe('throughput is shown with its instability', () => {
  it('every row that shows deployment frequency or lead time also shows change fail and rework rate', () => {
    expect(dashboards.flatMap((d) => unpairedThroughput(d.content))).toEqual([]);
    // The rows it read include the DORA dashboard's tiles, trends, teams and drill-down.
    const dora = dashboards.find((d) => d.content.uid === 'engmetrics-dora')!.content;
    expect((dora.panels ?? []).filter((p) => p.type === 'row').length).toBeGreaterThanOrEqual(4);
  });

  it('fails on a planted row of deployments alone', () => {
    const base = dashboards[0]!.content;
    const planted: DashboardJson = {
      ...base,
      title: 'Planted',
      panels: [
        ...(base.panels ?? []),
        { type: 'row', title: 'Speed', panels: [] } as PanelJson,
        {
          type: 'timeseries',
          title: 'Deployments per week',
          targets: [{ rawSql: 'SELECT week, deployments FROM metrics.dora_weekly' }],
        },
        {
          type: 'timeseries',
          title: 'Change lead time per week',
          targets: [{ rawSql: 'SELECT week, lead_time_p50_h FROM metrics.dora_weekly' }],
        },
      ],
    };
    expect(unpairedThroughput(planted)).toEqual([
      'Planted / Speed: throughput without change fail and rework rate',
    ]);
  });
});
