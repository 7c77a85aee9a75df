import type { Settings } from '../config/settings.js';
import type { InsightService } from '../insights/service.js';
import type { SprintHealthInsight } from '../insights/shape.js';
import { renderSlack, type SlackBlock } from './blocks.js';
import { SlackNotConfiguredError, type SlackPoster } from './post.js';

/** A sprint's summary for Slack: the insight (cached when it can be), rendered, and posted unless a dry run. */

export interface SummaryRequest {
  team?: string;
  sprint?: number;
  channel?: string;
  dryRun?: boolean;
  force?: boolean;
}

export interface SummaryResult {
  dryRun: boolean;
  posted: boolean;
  skipped: string | null;
  team: string;
  sprint: { id: number; name: string };
  channel: string | null;
  ts: string | null;
  day: string | null;
  source: SprintHealthInsight['source'];
  text: string;
  blocks: SlackBlock[];
}

export async function sprintSummary(
  deps: { insights: InsightService; poster: SlackPoster; settings: Settings },
  req: SummaryRequest,
): Promise<SummaryResult> {
  // Settle what can be wrong with the request before spending an LLM call on it.
  if (!req.dryRun && !deps.poster.configured) throw new SlackNotConfiguredError();
  const channel = req.dryRun
    ? (req.channel ?? deps.settings.slack.channel ?? null)
    : deps.poster.channelFor(req.channel);
  const { insight, selection, facts } = await deps.insights.sprintHealth({
    sprint: req.sprint,
    team: req.team,
  });
  const message = renderSlack(insight, {
    grafanaUrl: deps.settings.grafana.url,
    selection,
    evidence: {
      issues: facts.progress.total_issues,
      unestimatedIssues: facts.scope.unestimated_issues,
      asOf: facts.as_of,
    },
  });
  const base = {
    team: insight.sprint.team,
    sprint: { id: insight.sprint.id, name: insight.sprint.name },
    source: insight.source,
    text: message.text,
    blocks: message.blocks,
  };
  if (req.dryRun)
    return { ...base, dryRun: true, posted: false, skipped: null, channel, ts: null, day: null };
  const result = await deps.poster.post({
    team: insight.sprint.team,
    sprintId: insight.sprint.id,
    factsHash: insight.factsHash,
    source: insight.source,
    channel: channel ?? undefined,
    force: req.force,
    message,
  });
  return {
    ...base,
    dryRun: false,
    posted: result.posted,
    skipped: result.skipped,
    channel: result.channel,
    ts: result.ts,
    day: result.day || null,
  };
}
