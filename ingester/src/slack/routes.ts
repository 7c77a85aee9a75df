import { z } from 'zod';
import { route, type AnyRoute } from '../api/route.js';
import type { Settings } from '../config/settings.js';
import type { InsightService } from '../insights/service.js';
import type { SlackPoster } from './post.js';
import { sprintSummary } from './summary.js';

export const summaryBody = z
  .object({
    team: z.string().min(1).max(100).optional(),
    sprint: z.number().int().positive().optional(),
    channel: z
      .string()
      .min(1)
      .max(80)
      .regex(/^[#@]?[\w.-]+$/, { message: 'must be a channel id (C0123ABCD) or name (#team-payments)' })
      .optional(),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .strict()
  .refine((b) => b.sprint === undefined || b.team === undefined, {
    message: 'give either sprint or team, not both',
    path: ['team'],
  })
  .openapi('SlackSummaryRequest');

const textObject = z.object({ type: z.string(), text: z.string() }).loose();

const summaryResult = z
  .object({
    dryRun: z.boolean(),
    posted: z.boolean(),
    skipped: z.string().nullable().openapi({ description: 'Why nothing was posted (already posted today)' }),
    team: z.string(),
    sprint: z.object({ id: z.number().int(), name: z.string() }),
    channel: z.string().nullable(),
    ts: z.string().nullable().openapi({ description: "Slack's id of the message posted" }),
    day: z.string().nullable().openapi({ description: 'The day the post counts for (one a team and day)' }),
    source: z.enum(['llm', 'rules']),
    text: z.string(),
    blocks: z.array(z.object({ type: z.string(), text: textObject.optional() }).loose()).openapi({
      description: 'Block Kit blocks, as posted (or as they would be, for a dry run)',
    }),
  })
  .openapi('SlackSummary');

export function slackRoutes(deps: {
  insights: InsightService;
  poster: SlackPoster;
  settings: Settings;
}): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/slack/summaries',
      operationId: 'postSlackSummary',
      summary: 'Post the Sprint Health summary of a sprint (or a team’s current sprint) to Slack',
      description:
        'Renders the insight as Block Kit and posts it with the bot token, to `channel` or SLACK_CHANNEL. ' +
        'A team gets one post a day unless `force` is set; `dryRun` returns the blocks without posting.',
      tags: ['slack'],
      body: summaryBody,
      response: summaryResult,
      problems: {
        404: 'No such sprint or team, or the team has no board or no sprint with dates',
        502: 'Slack refused the message or could not be reached; `detail` says why',
        503: 'Slack is not configured (SLACK_BOT_TOKEN)',
      },
      handler: async ({ body }) => {
        const result = await sprintSummary(deps, body);
        return { ...result, blocks: result.blocks as unknown as z.input<typeof summaryResult>['blocks'] };
      },
    }),
  ];
}
