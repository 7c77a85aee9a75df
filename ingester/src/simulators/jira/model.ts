import type { IssueType, IssueW, Person, SprintW, World } from '../world/types.js';

/**
 * The generated Jira site as Jira would store it: status, issue type and field
 * catalogues with Jira Cloud's ids, and each issue's history as changelog entries
 * (status ids in from/to, names in fromString/toString; sprint ids comma-separated).
 * Everything is shown as it stood at an instant: what had not happened yet is not there.
 */

export type Flavour = 'cloud' | 'datacenter';

export const FIELD = {
  sprint: 'customfield_10020',
  /** Jira Cloud's "Story point estimate" (team- and company-managed boards). */
  storyPoints: 'customfield_10016',
  /** The older float "Story Points" field many sites still have; no board here uses it. */
  legacyStoryPoints: 'customfield_10028',
  flagged: 'customfield_10021',
  rank: 'customfield_10019',
} as const;

export const FLAG_OPTION = { id: '10019', value: 'Impediment' };

export const CATEGORIES = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
  undefined: { id: 1, key: 'undefined', colorName: 'medium-gray', name: 'No Category' },
} as const;

export const STATUSES: { id: string; name: string; category: keyof typeof CATEGORIES }[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'In Review', category: 'indeterminate' },
  { id: '10002', name: 'Blocked', category: 'indeterminate' },
  { id: '10003', name: 'Done', category: 'done' },
];
const statusByName = new Map(STATUSES.map((s) => [s.name, s]));

export function statusId(name: string): string {
  const s = statusByName.get(name);
  if (!s) throw new Error(`unknown status ${name}`);
  return s.id;
}

export const ISSUE_TYPES: Record<IssueType, { id: string; hierarchyLevel: number; description: string }> = {
  Epic: { id: '10000', hierarchyLevel: 1, description: 'A big user story that needs to be broken down.' },
  Story: {
    id: '10001',
    hierarchyLevel: 0,
    description: 'Functionality or a feature expressed as a user goal.',
  },
  Task: { id: '10002', hierarchyLevel: 0, description: 'A small, distinct piece of work.' },
  Bug: { id: '10003', hierarchyLevel: 0, description: 'A problem or error.' },
  Incident: { id: '10004', hierarchyLevel: 0, description: 'A problem in production.' },
};

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

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Jira's timestamp format: milliseconds and a +hhmm offset (always UTC here). */
export function jiraTime(t: number): string {
  const d = new Date(Math.floor(t));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** The Agile API's sprint dates: ISO-8601 with milliseconds and Z. */
export const agileTime = (t: number) => new Date(Math.floor(t)).toISOString();

export type SprintState = 'future' | 'active' | 'closed';

export function sprintState(s: SprintW, now: number): SprintState {
  if (now < s.startAt) return 'future';
  if (now < s.completeAt) return 'active';
  return 'closed';
}

export class JiraModel {
  readonly people = new Map<string, Person & { index: number }>();
  readonly sprints = new Map<number, SprintW>();
  readonly issuesByKey = new Map<string, IssueW>();
  readonly issuesById = new Map<string, IssueW>();
  private readonly timelines = new Map<string, Timeline>();

  constructor(readonly world: World) {
    world.people.forEach((p, index) => this.people.set(p.login, { ...p, index }));
    for (const s of world.jira.sprints) this.sprints.set(s.id, s);
    for (const i of world.jira.issues) {
      this.issuesByKey.set(i.key, i);
      this.issuesById.set(i.id, i);
    }
  }

  issue(idOrKey: string): IssueW | undefined {
    return this.issuesById.get(idOrKey) ?? this.issuesByKey.get(idOrKey.toUpperCase());
  }

  sprintName(id: number): string {
    return this.sprints.get(id)?.name ?? `Sprint ${id}`;
  }

  timeline(issue: IssueW): Timeline {
    let t = this.timelines.get(issue.id);
    if (!t) {
      t = buildTimeline(issue, (id) => this.sprintName(id));
      this.timelines.set(issue.id, t);
    }
    return t;
  }

  /** The histories that had happened by `now`. */
  historiesAt(issue: IssueW, now: number): History[] {
    const all = this.timeline(issue).histories;
    let n = 0;
    while (n < all.length && all[n]!.at <= now) n++;
    return n === all.length ? all : all.slice(0, n);
  }

  updatedAt(issue: IssueW, now: number): number {
    const changes = this.timeline(issue).changes;
    let u = issue.createdAt;
    for (const c of changes) {
      if (c > now) break;
      u = c;
    }
    return u;
  }
}

/** The value in force at `now` of a list of timed changes (the first is the initial value). */
export function valueAt<T extends { at: number }>(changes: readonly T[], now: number): T | undefined {
  let v: T | undefined;
  for (const c of changes) {
    if (c.at > now) break;
    v = c;
  }
  return v;
}

/** When the issue last became Done, if it is done at `now`. */
export function resolvedAt(issue: IssueW, now: number): number | null {
  const current = valueAt(issue.statuses, now);
  return current && current.status === 'Done' ? current.at : null;
}

function buildTimeline(issue: IssueW, sprintName: (id: number) => string): Timeline {
  type Ev = { at: number; author: string; order: number; item: ChangeItem };
  const events: Ev[] = [];
  const push = (at: number, author: string, order: number, item: ChangeItem) =>
    events.push({ at: Math.floor(at), author, order, item });

  for (let k = 1; k < issue.statuses.length; k++) {
    const prev = issue.statuses[k - 1]!;
    const cur = issue.statuses[k]!;
    if (prev.status === cur.status) continue;
    push(cur.at, cur.author, 0, {
      field: 'status',
      fieldId: 'status',
      fieldtype: 'jira',
      from: statusId(prev.status),
      fromString: prev.status,
      to: statusId(cur.status),
      toString: cur.status,
    });
    // Jira sets and clears the resolution in the same change as the transition.
    if (cur.status === 'Done' || prev.status === 'Done')
      push(cur.at, cur.author, 1, {
        field: 'resolution',
        fieldId: 'resolution',
        fieldtype: 'jira',
        from: prev.status === 'Done' ? '10000' : null,
        fromString: prev.status === 'Done' ? 'Done' : null,
        to: cur.status === 'Done' ? '10000' : null,
        toString: cur.status === 'Done' ? 'Done' : null,
      });
  }
  let before: number[] = [];
  for (const c of issue.sprints) {
    push(c.at, c.author, 2, {
      field: 'Sprint',
      fieldId: FIELD.sprint,
      fieldtype: 'custom',
      from: before.join(', '),
      fromString: before.map(sprintName).join(', '),
      to: c.sprintIds.join(', '),
      toString: c.sprintIds.map(sprintName).join(', '),
    });
    before = c.sprintIds;
  }
  for (let k = 1; k < issue.points.length; k++) {
    const prev = issue.points[k - 1]!.value;
    const cur = issue.points[k]!;
    if (prev === cur.value) continue;
    push(cur.at, cur.author, 3, {
      field: 'Story point estimate',
      fieldId: FIELD.storyPoints,
      fieldtype: 'custom',
      from: null,
      fromString: prev === null ? null : String(prev),
      to: null,
      toString: cur.value === null ? null : String(cur.value),
    });
  }
  const flagger = issue.assignee ?? issue.reporter;
  for (const f of issue.flagged) {
    push(f.from, flagger, 4, {
      field: 'Flagged',
      fieldId: FIELD.flagged,
      fieldtype: 'custom',
      from: null,
      fromString: null,
      to: `[${FLAG_OPTION.id}]`,
      toString: FLAG_OPTION.value,
    });
    if (f.to !== null)
      push(f.to, flagger, 4, {
        field: 'Flagged',
        fieldId: FIELD.flagged,
        fieldtype: 'custom',
        from: `[${FLAG_OPTION.id}]`,
        fromString: FLAG_OPTION.value,
        to: null,
        toString: null,
      });
  }
  events.sort((a, b) => a.at - b.at || a.order - b.order);
  // One history per instant and person: a transition and the resolution it sets are one change.
  const histories: History[] = [];
  for (const e of events) {
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
  return { issue, histories, changes: histories.map((h) => h.at) };
}
