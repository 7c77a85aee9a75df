import type { IssueW } from '../world/types.js';
import { FIELD, FLAG_OPTION, statusId } from './catalogue.js';

/**
 * An issue's history as Jira's changelog records it: one entry per instant and
 * person, each holding the fields changed then (status ids in from/to, names in
 * fromString/toString; sprint ids comma-separated).
 */

export interface ChangeItem {
  field: string;
  fieldId: string;
  fieldtype: 'jira' | 'custom';
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface History {
  id: string;
  at: number;
  author: string;
  items: ChangeItem[];
}

/** One issue's changelog and the instants its fields changed, computed once. */
export interface Timeline {
  issue: IssueW;
  histories: History[];
  /** Every instant something changed, ascending (for `updated`). */
  changes: number[];
}

/** One field's change; `order` places it among the changes made at the same instant. */
interface Change {
  at: number;
  author: string;
  order: number;
  item: ChangeItem;
}

const change = (at: number, author: string, order: number, item: ChangeItem): Change => ({
  at: Math.floor(at),
  author,
  order,
  item,
});

export function buildTimeline(issue: IssueW, sprintName: (id: number) => string): Timeline {
  const changes = [
    ...statusChanges(issue),
    ...sprintChanges(issue, sprintName),
    ...pointChanges(issue),
    ...flagChanges(issue),
  ].sort((a, b) => a.at - b.at || a.order - b.order);
  const histories = intoHistories(issue, changes);
  return { issue, histories, changes: histories.map((h) => h.at) };
}

function statusChanges(issue: IssueW): Change[] {
  const out: Change[] = [];
  for (let k = 1; k < issue.statuses.length; k++) {
    const prev = issue.statuses[k - 1]!;
    const cur = issue.statuses[k]!;
    if (prev.status === cur.status) continue;
    out.push(
      change(cur.at, cur.author, 0, {
        field: 'status',
        fieldId: 'status',
        fieldtype: 'jira',
        from: statusId(prev.status),
        fromString: prev.status,
        to: statusId(cur.status),
        toString: cur.status,
      }),
    );
    // Jira sets and clears the resolution in the same change as the transition.
    if (cur.status === 'Done' || prev.status === 'Done')
      out.push(
        change(cur.at, cur.author, 1, {
          field: 'resolution',
          fieldId: 'resolution',
          fieldtype: 'jira',
          from: prev.status === 'Done' ? '10000' : null,
          fromString: prev.status === 'Done' ? 'Done' : null,
          to: cur.status === 'Done' ? '10000' : null,
          toString: cur.status === 'Done' ? 'Done' : null,
        }),
      );
  }
  return out;
}

function sprintChanges(issue: IssueW, sprintName: (id: number) => string): Change[] {
  let before: number[] = [];
  return issue.sprints.map((c) => {
    const out = change(c.at, c.author, 2, {
      field: 'Sprint',
      fieldId: FIELD.sprint,
      fieldtype: 'custom',
      from: before.join(', '),
      fromString: before.map(sprintName).join(', '),
      to: c.sprintIds.join(', '),
      toString: c.sprintIds.map(sprintName).join(', '),
    });
    before = c.sprintIds;
    return out;
  });
}

function pointChanges(issue: IssueW): Change[] {
  const out: Change[] = [];
  for (let k = 1; k < issue.points.length; k++) {
    const prev = issue.points[k - 1]!.value;
    const cur = issue.points[k]!;
    if (prev === cur.value) continue;
    out.push(
      change(cur.at, cur.author, 3, {
        field: 'Story point estimate',
        fieldId: FIELD.storyPoints,
        fieldtype: 'custom',
        from: null,
        fromString: prev === null ? null : String(prev),
        to: null,
        toString: cur.value === null ? null : String(cur.value),
      }),
    );
  }
  return out;
}

/** Flagging and unflagging, by whoever has the issue (the world does not say who flagged it). */
function flagChanges(issue: IssueW): Change[] {
  const flagger = issue.assignee ?? issue.reporter;
  const flag = { field: 'Flagged', fieldId: FIELD.flagged, fieldtype: 'custom' } as const;
  const out: Change[] = [];
  for (const f of issue.flagged) {
    out.push(
      change(f.from, flagger, 4, {
        ...flag,
        from: null,
        fromString: null,
        to: `[${FLAG_OPTION.id}]`,
        toString: FLAG_OPTION.value,
      }),
    );
    if (f.to !== null)
      out.push(
        change(f.to, flagger, 4, {
          ...flag,
          from: `[${FLAG_OPTION.id}]`,
          fromString: FLAG_OPTION.value,
          to: null,
          toString: null,
        }),
      );
  }
  return out;
}

/** One history per instant and person: a transition and the resolution it sets are one change. */
function intoHistories(issue: IssueW, changes: Change[]): History[] {
  const histories: History[] = [];
  for (const e of changes) {
    const last = histories[histories.length - 1];
    if (last && last.at === e.at && last.author === e.author) last.items.push(e.item);
    else
      histories.push({
        id: String(Number(issue.id) * 1000 + histories.length + 1),
        at: e.at,
        author: e.author,
        items: [e.item],
      });
  }
  return histories;
}
