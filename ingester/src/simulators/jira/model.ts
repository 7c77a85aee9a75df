import type { IssueW, Person, SprintW, World } from '../world/types.js';
import { buildTimeline, type History, type Timeline } from './timeline.js';

/**
 * The generated Jira site as Jira would store it, shown as it stood at an instant:
 * what had not happened yet is not there.
 */

// Benches and tests import the catalogue from here, where it was first defined.
export { CATEGORIES, FIELD, FLAG_OPTION, ISSUE_TYPES, STATUSES, statusId } from './catalogue.js';

export type Flavour = 'cloud' | 'datacenter';

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
