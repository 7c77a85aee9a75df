import { DAY } from './calendar.js';
import type { IssueW, SprintTruth, SprintW } from './types.js';

/** What a sprint report would say, from the generator's own decisions (Jira's own rules, restated). */
export function sprintTruth(sprints: SprintW[], issues: IssueW[], end: number): SprintTruth[] {
  return sprints.filter((s) => s.startAt <= end).map((s) => reportOf(s, issues, end));
}

function reportOf(s: SprintW, issues: IssueW[], end: number): SprintTruth {
  const close = Math.min(s.completeAt, end);
  const closed = s.completeAt <= end;
  const committed = issues.filter((i) => member(i, s.id, s.startAt));
  const added = issues.filter((i) => !member(i, s.id, s.startAt) && everMember(i, s.id, s.startAt, close));
  const removed = issues.filter((i) => everMember(i, s.id, s.startAt, close) && !member(i, s.id, close));
  const atClose = issues.filter((i) => member(i, s.id, close));
  const completed = atClose.filter((i) => statusAt(i, close) === 'Done');
  // Moved on: still unfinished when the sprint closed, and put in a later sprint.
  const carriedOver = closed
    ? atClose.filter(
        (i) =>
          statusAt(i, close) !== 'Done' &&
          i.sprints.some((c) => c.at >= close && c.sprintIds.some((id) => id > s.id)),
      )
    : [];
  return {
    sprintId: s.id,
    committed: committed.map((i) => i.key),
    committedPoints: committed.reduce((n, i) => n + pointsAt(i, s.startAt), 0),
    added: added.map((i) => i.key),
    removed: removed.map((i) => i.key),
    completed: completed.map((i) => i.key),
    completedPoints: completed.reduce((n, i) => n + pointsAt(i, close), 0),
    carriedOver: carriedOver.map((i) => i.key),
    burndown: burndown(s, issues, close),
  };
}

/** At the end of each day (or at the close, if sooner): the sprint's points, and those not done. */
function burndown(s: SprintW, issues: IssueW[], close: number): SprintTruth['burndown'] {
  const ever = issues.filter((i) => i.sprints.some((c) => c.sprintIds.includes(s.id)));
  const days: SprintTruth['burndown'] = [];
  for (let day = Math.floor(s.startAt / DAY) * DAY; day <= Math.min(s.endAt, close); day += DAY) {
    const at = Math.min(day + DAY - 1000, close);
    const inSprint = ever.filter((i) => member(i, s.id, at));
    const points = (list: IssueW[]) => list.reduce((n, i) => n + pointsAt(i, at), 0);
    days.push({
      at,
      scopePoints: points(inSprint),
      remainingPoints: points(inSprint.filter((i) => statusAt(i, at) !== 'Done')),
    });
  }
  return days;
}

function member(i: IssueW, sprintId: number, t: number): boolean {
  let ids: number[] = [];
  for (const c of i.sprints) if (c.at <= t) ids = c.sprintIds;
  return ids.includes(sprintId);
}

/** In the sprint at `from`, or put in it at some point up to `to`. */
function everMember(i: IssueW, sprintId: number, from: number, to: number): boolean {
  return (
    member(i, sprintId, from) ||
    i.sprints.some((c) => c.at > from && c.at <= to && c.sprintIds.includes(sprintId))
  );
}

function statusAt(i: IssueW, t: number): string {
  let s = i.statuses[0]!.status;
  for (const c of i.statuses) if (c.at <= t) s = c.status;
  return s;
}

/** Unestimated counts as nothing. */
function pointsAt(i: IssueW, t: number): number {
  let v: number | null = null;
  for (const c of i.points) if (c.at <= t) v = c.value;
  return v ?? 0;
}
