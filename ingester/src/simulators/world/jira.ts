import { after, DAY, HOUR, MINUTE, toWorkingTime } from './calendar.js';
import type { Random } from './random.js';
import type { IssueW, Person, SprintW, TeamProfile, WorldSpec } from './types.js';

/**
 * Jira-only additions made once a team's history is settled. They draw from their own
 * random stream and touch no pull request, so the GitHub side stays byte for byte
 * what it was.
 */

const WORK = ['payment provider migration', 'ledger rewrite', 'search index rebuild', 'SSO rollout'];

/**
 * Work that keeps slipping: committed to a sprint, carried over twice, done in the
 * third. The simulated team otherwise finishes nearly everything within one carry-over,
 * and sprint reports must be right about items dragged along for weeks. Keys continue
 * after the team's last key (as for an issue moved in from another project).
 */
export function addSlippingWork(
  rng: Random,
  spec: WorldSpec,
  team: TeamProfile,
  sprints: SprintW[],
  issues: IssueW[],
  members: Person[],
  nextId: () => string,
): void {
  const project = team.projectKey;
  const closed = sprints.filter((s) => s.completeAt <= spec.end);
  // A story slipping every fourth sprint leaves half of them unfinished whatever the team
  // does: a team given a sprint style lets its style decide, and keeps only the odd one.
  const every = team.sprintStyle ? 12 : 4;
  let n = issues.length;
  for (let k = 1; k + 2 < closed.length; k += every) {
    const [first, second, third] = [closed[k]!, closed[k + 1]!, closed[k + 2]!];
    const reporter = rng.pick(members).login;
    const assignee = rng.pick(members).login;
    const createdAt = toWorkingTime(first.startAt - rng.int(2, 10) * DAY);
    const plannedAt = Math.max(createdAt + 30 * MINUTE, first.startAt - rng.int(1, 24) * HOUR);
    const started = after(first.startAt, rng.int(1, 3) * DAY);
    const blocked = after(started, rng.int(1, 3) * DAY);
    const unblocked = after(second.startAt, rng.int(1, 4) * DAY);
    const review = after(third.startAt, rng.int(1, 3) * DAY);
    const done = Math.min(after(review, rng.int(4, 30) * HOUR), third.endAt - HOUR);
    const estimate = rng.pick([5, 8]);
    issues.push({
      id: nextId(),
      key: `${project}-${++n}`,
      project,
      type: 'Story',
      summary: `${rng.pick(WORK).replace(/^./, (c) => c.toUpperCase())}, part ${(k - 1) / every + 1}`,
      createdAt,
      reporter,
      assignee,
      labels: ['carry-over'],
      epicKey: null,
      statuses: [
        { at: createdAt, status: 'To Do', author: reporter },
        { at: started, status: 'In Progress', author: assignee },
        { at: blocked, status: 'Blocked', author: assignee },
        { at: unblocked, status: 'In Progress', author: assignee },
        { at: review, status: 'In Review', author: assignee },
        { at: done, status: 'Done', author: assignee },
      ],
      sprints: [
        { at: plannedAt, sprintIds: [first.id], author: reporter },
        { at: first.completeAt, sprintIds: [first.id, second.id], author: reporter },
        { at: second.completeAt, sprintIds: [first.id, second.id, third.id], author: reporter },
      ],
      points: [
        { at: createdAt, value: estimate, author: reporter },
        { at: after(second.startAt, rng.int(1, 2) * DAY), value: estimate === 5 ? 8 : 13, author: assignee },
      ],
      flagged: [{ from: blocked, to: unblocked }],
      incident: null,
      malformed: null,
    });
  }
}

/** A share of issues served broken on purpose, alternating between the two ways. */
export function markMalformedIssues(rng: Random, share: number, issues: IssueW[]): void {
  if (!(share > 0)) return;
  let count = 0;
  for (const issue of issues)
    if (issue.type !== 'Epic' && rng.chance(share))
      issue.malformed = count++ % 2 === 0 ? 'missing-status' : 'odd-unicode';
}
