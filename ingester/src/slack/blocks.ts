import type { InsightItem, RefusedItem, SprintHealthInsight, SprintSelection } from '../insights/shape.js';
import { formatInstant, formatNumber } from '../insights/numbers.js';

/**
 * Block Kit for a Sprint Health insight: status with an emoji, score and the sentence that
 * decided it (in the words the panel and the API use), the two-sentence summary, the top
 * risks with links to the issues and pull requests they cite, and a button to the Sprint
 * health dashboard. Every piece of text that came from Jira, GitHub or an LLM is escaped,
 * so an issue title cannot ping a channel or fake a link.
 */

export interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'divider' }
  | { type: 'context'; elements: TextObject[] }
  | {
      type: 'actions';
      elements: { type: 'button'; text: TextObject; url: string; action_id: string; style?: 'primary' }[];
    };

export interface SlackMessage {
  /** The notification and screen-reader text. */
  text: string;
  blocks: SlackBlock[];
}

export const STATUS_EMOJI: Record<SprintHealthInsight['status'], string> = {
  on_track: ':large_green_circle:',
  at_risk: ':large_yellow_circle:',
  off_track: ':red_circle:',
};
const STATUS_LABEL: Record<SprintHealthInsight['status'], string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  off_track: 'Off track',
};
const SEVERITY_EMOJI: Record<InsightItem['severity'], string> = {
  high: ':rotating_light:',
  medium: ':warning:',
  low: ':information_source:',
};

/** Slack's three control characters; everything else in mrkdwn is shown as written. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link Slack cannot be tricked by: the URL's own `|` and `>` are percent-encoded. */
function link(url: string | null, label: string): string {
  if (!url || !/^https?:\/\//i.test(url)) return escapeMrkdwn(label);
  const safe = url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
  return `<${safe}|${escapeMrkdwn(label)}>`;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function dashboardUrl(grafanaUrl: string, team: string, sprintId: number): string {
  const q = new URLSearchParams({ 'var-team': team, 'var-sprint': String(sprintId) });
  return `${grafanaUrl.replace(/\/+$/, '')}/d/engmetrics-sprint-health?${q.toString()}`;
}

/** How a sprint that is not running is named, beside its name. */
const BETWEEN_SPRINTS: Partial<Record<SprintSelection['kind'], string>> = {
  last_closed: 'closed',
  upcoming: 'upcoming',
};

/** What the sprint's figures rest on, from its fact sheet. */
export interface SprintEvidence {
  issues: number;
  unestimatedIssues: number;
  /** The instant the facts describe. */
  asOf: string;
}

/** "Rests on 28 issues (3 without an estimate, counted as no points) · facts as of 2026-12-06 10:00 UTC" */
export function evidenceLine(e: SprintEvidence): string {
  const unestimated = e.unestimatedIssues
    ? ` (${e.unestimatedIssues} without an estimate, counted as no points)`
    : ', every one estimated';
  const at = new Date(e.asOf).toISOString().slice(0, 16).replace('T', ' ');
  return `Rests on ${e.issues} ${e.issues === 1 ? 'issue' : 'issues'}${unestimated} · facts as of ${at} UTC`;
}

/**
 * "62.5% likely to finish · 85% likely done by Thu 12 Mar", from the insight's forecast; what
 * stands in its place when there is none to give; null for a closed sprint.
 */
export function forecastLine(f: SprintHealthInsight['forecast']): string | null {
  if (!f) return null;
  if (f.state === 'refused' || f.finishProbabilityPct === null)
    return `No forecast: ${f.reason ?? 'no history'}`;
  const likely = f.doneBy.find((d) => d.pct === 85);
  const by = likely?.date
    ? `85% likely done by ${formatInstant(likely.date)}`
    : 'not likely done within a year';
  const thin = f.state === 'low_history' ? ` (from ${f.historyDays} working days of history)` : '';
  return `${formatNumber(f.finishProbabilityPct)}% likely to finish · ${by}${thin}`;
}

export function renderSlack(
  insight: SprintHealthInsight,
  options: { grafanaUrl: string; topRisks?: number; selection?: SprintSelection; evidence?: SprintEvidence },
): SlackMessage {
  const { sprint } = insight;
  const between = options.selection ? BETWEEN_SPRINTS[options.selection.kind] : undefined;
  const name = between ? `${sprint.name} (${between})` : sprint.name;
  const url = dashboardUrl(options.grafanaUrl, sprint.team, sprint.id);
  const risks = insight.risks.slice(0, options.topRisks ?? 3);
  const forecast = forecastLine(insight.forecast);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clip(`${STATUS_EMOJI[insight.status]} ${name}: ${STATUS_LABEL[insight.status]}`, 150),
        emoji: true,
      },
    },
    ...(between && options.selection
      ? [
          {
            type: 'context' as const,
            elements: [{ type: 'mrkdwn' as const, text: clip(escapeMrkdwn(options.selection.reason), 3000) }],
          },
        ]
      : []),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Score*\n${insight.score}/100` },
        { type: 'mrkdwn', text: `*Team*\n${escapeMrkdwn(sprint.team)}` },
        ...(forecast === null
          ? []
          : [{ type: 'mrkdwn' as const, text: `*Forecast*\n${escapeMrkdwn(forecast)}` }]),
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clip(
            `${escapeMrkdwn(insight.scoreBasis.sentence)} · score rules ${escapeMrkdwn(insight.scoreBasis.rules)}`,
            3000,
          ),
        },
        ...(options.evidence ? [{ type: 'mrkdwn' as const, text: evidenceLine(options.evidence) }] : []),
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(insight.summary), 3000) } },
  ];
  blocks.push(...riskBlocks(risks), ...footerBlocks(insight, url));
  const text = clip(
    `${name}: ${STATUS_LABEL[insight.status]} (score ${insight.score}). ${insight.summary}`,
    3000,
  );
  return { text: escapeMrkdwn(text), blocks };
}

/** The top risks, each with its evidence linked, or a line saying none stands out. */
function riskBlocks(risks: SprintHealthInsight['risks']): SlackBlock[] {
  if (!risks.length)
    return [{ type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: No risks stand out.' } }];
  return [
    { type: 'divider' },
    { type: 'section', text: { type: 'mrkdwn', text: '*Top risks*' } },
    ...risks.map((r): SlackBlock => {
      const refs = r.refs.map((x) => link(x.url, x.key)).join(' · ');
      const text = `${SEVERITY_EMOJI[r.severity]} *${escapeMrkdwn(r.title)}*\n${escapeMrkdwn(r.detail)}${refs ? `\n${refs}` : ''}`;
      return { type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } };
    }),
  ];
}

/** The button to the dashboard, and who wrote the insight and when. */
function footerBlocks(insight: SprintHealthInsight, url: string): SlackBlock[] {
  const writer =
    insight.source === 'llm' ? `Written by ${escapeMrkdwn(insight.model ?? 'an LLM')}` : 'Rule-based';
  const why = insight.fallbackReason ? ` (${escapeMrkdwn(insight.fallbackReason)})` : '';
  const refused = insight.refused.length ? ` · ${escapeMrkdwn(refusedLine(insight.refused))}` : '';
  return [
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open Sprint health in Grafana' },
          url,
          action_id: 'open_sprint_health',
          style: 'primary',
        },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clip(
            `${writer}${why}${refused} · ${insight.generatedAt.slice(0, 16).replace('T', ' ')} UTC`,
            3000,
          ),
        },
      ],
    },
  ];
}

const SECTION_NOUN: Record<RefusedItem['section'], string> = {
  risks: 'risk',
  bottlenecks: 'bottleneck',
  recommendations: 'recommendation',
};

/** "2 items left out by the grounding check: risk 2 (its detail writes the number 14 itself); …" */
export function refusedLine(refused: RefusedItem[]): string {
  const n = refused.length;
  const each = refused
    .slice(0, 3)
    .map((r) => `${SECTION_NOUN[r.section]} ${r.index + 1} (${r.reasons[0]})`)
    .join('; ');
  return `${n} ${n === 1 ? 'item' : 'items'} left out by the grounding check: ${each}${n > 3 ? '; …' : ''}`;
}
