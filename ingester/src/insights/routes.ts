import { z } from 'zod';
import { route, type AnyRoute } from '../api/route.js';
import type { InsightService } from './service.js';
import { sprintHealthAnswer } from './shape.js';

const sprintId = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, { message: 'must be a sprint id (a positive whole number)' })
  .transform(Number);
const teamName = z.string().min(1).max(100);
const flag = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

export const sprintHealthQuery = z
  .object({
    sprint: sprintId.optional().openapi({ description: 'A Jira sprint id', example: '1042' }),
    team: teamName.optional().openapi({
      description: "A team's name: its active sprint, or between sprints the one `selection` names",
    }),
    refresh: flag.optional().openapi({ description: 'Recompute instead of serving the cached insight' }),
  })
  .strict()
  .refine((q) => q.sprint === undefined || q.team === undefined, {
    message: 'give either sprint or team, not both',
    path: ['team'],
  });

export function insightRoutes(insights: InsightService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/insights/sprint-health',
      operationId: 'getSprintHealth',
      summary: 'The Sprint Health insight of a sprint, or of a team’s current sprint',
      description:
        'With `sprint`, that sprint; with `team`, its active sprint; with neither, that of the first team. ' +
        'Between two sprints a team’s insight is about the next sprint once it is being planned (it has dates and ' +
        'issues), else the sprint that closed last; `selection` says which and why. ' +
        'Status, score and `scoreBasis` are decided from the facts by the score’s rules (`scoreBasis.rules`), ' +
        'the same whoever writes. The words are the LLM’s when OPENAI_API_KEY is set and its summary passes the ' +
        'grounding check (items that fail are left out and listed in `refused`), else the rules’ (`source`, ' +
        '`fallbackReason`). Cached by the hash of the sprint’s facts; `refresh=true` recomputes. ' +
        'LLM trouble never fails the request: it answers within OPENAI_TIMEOUT_MS and a second.',
      tags: ['insights'],
      query: sprintHealthQuery,
      response: sprintHealthAnswer.openapi('SprintHealthInsight'),
      problems: { 404: 'No such sprint or team, or the team has no board or no sprint with dates' },
      handler: async ({ query }) => {
        const { insight, selection } = await insights.sprintHealth(query);
        return { ...insight, selection: { kind: selection.kind, reason: selection.reason } };
      },
    }),
  ];
}
