import { z } from 'zod';
import { optional, optionalId } from '../lenient.js';
import { clean, stripForStorage, type PayloadRules } from '../../store/payload.js';

/**
 * Pure mapping from Jira's payloads to rows. Each record is checked with zod first;
 * one that does not fit is reported (and skipped by the caller), never guessed at.
 * Cloud and Data Center differ in small ways handled here: people are account ids on
 * Cloud and user keys on Data Center, Data Center's changelog items carry no fieldId,
 * and its Sprint field holds strings rather than objects.
 */

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;
const time = z.string().regex(TIME, { message: 'is not a Jira timestamp' });
/**
 * A changelog's `created`: Jira's timestamp text, or (as Atlassian documents the bulk fetch)
 * epoch seconds; a number of 10^11 or more is epoch milliseconds. Read as the timestamp text.
 */
const historyTime = z.union([
  time,
  z
    .number()
    .positive()
    .transform((n) => new Date(n < 1e11 ? n * 1000 : n).toISOString()),
]);

/** Jira's "2026-01-31T13:05:00.000+0000" as ISO-8601 UTC. */
export function isoTime(s: string): string {
  // Jira writes offsets as +hhmm, which Date.parse does not read; +0000, the usual one, is Z.
  const normal = s.endsWith('+0000') ? `${s.slice(0, -5)}Z` : s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(normal);
  if (Number.isNaN(t)) throw new Error(`not a time: ${s}`);
  return new Date(t).toISOString();
}

const userFields = z.object({
  accountId: optionalId(),
  key: optionalId(),
  name: optionalId(),
  displayName: optional(z.string()),
  active: optional(z.boolean()),
  accountType: optional(z.string()),
});
const identified = <T extends z.infer<typeof userFields>>(u: T) =>
  u.accountId !== undefined || u.key !== undefined || u.name !== undefined;
const unidentified = { message: 'a user needs an accountId (Cloud) or a key (Data Center)' };

export const userSchema = userFields.loose().refine(identified, unidentified);
export type JiraUser = z.infer<typeof userSchema>;

/**
 * A Jira payload as stored: no email fields (stripForStorage), people reduced to their
 * account id (or Data Center key) and display name, and no avatar or icon links, which
 * only say how Jira draws things and make up much of every payload.
 */
export function jiraPayload(value: unknown): unknown {
  return stripForStorage(value, JIRA_PAYLOAD);
}

const JIRA_PAYLOAD: PayloadRules = {
  omit: new Set(['avatarUrls', 'iconUrl']),
  replace: (o) => {
    if (
      typeof o.accountId !== 'string' &&
      !(typeof o.key === 'string' && typeof o.name === 'string' && 'displayName' in o)
    )
      return undefined;
    const person: Record<string, unknown> = {};
    for (const k of ['accountId', 'key', 'name', 'displayName', 'active', 'accountType'])
      if (o[k] !== undefined) person[k] = o[k];
    return person;
  },
};

export const accountOf = (u: JiraUser | null | undefined): string | null =>
  u ? (u.accountId ?? u.key ?? u.name ?? null) : null;

export interface UserRow {
  account_id: string;
  display_name: string | null;
  account_type: string | null;
  active: boolean | null;
}

export function mapUser(u: JiraUser): UserRow {
  return {
    account_id: accountOf(u)!,
    display_name: clean(u.displayName ?? null),
    account_type: u.accountType ?? null,
    active: u.active ?? null,
  };
}

export const statusSchema = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    statusCategory: z
      .object({ id: optional(z.number().int()), key: z.string(), name: optional(z.string()) })
      .loose(),
  })
  .loose();

export function mapStatus(s: z.infer<typeof statusSchema>) {
  return {
    id: s.id,
    name: clean(s.name),
    category_key: s.statusCategory.key,
    category_id: s.statusCategory.id ?? null,
    category_name: s.statusCategory.name ?? null,
    raw: jiraPayload(s),
  };
}

export const fieldSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    custom: optional(z.boolean()),
    schema: optional(
      z.object({ type: z.string(), custom: optional(z.string()), items: optional(z.string()) }).loose(),
    ),
  })
  .loose();
export type JiraField = z.infer<typeof fieldSchema>;

/** The custom fields a sync reads, found by their type rather than their (site-specific) id. */
export interface FieldIds {
  sprint: string | null;
  /** The site's story-point fields, best first; a board's estimation field wins over these. */
  points: string[];
  flagged: string | null;
  epicLink: string | null;
}

export function discoverFields(fields: readonly JiraField[]): FieldIds {
  const custom = (type: string) => fields.filter((f) => f.schema?.custom === type).map((f) => f.id);
  const named = (name: string, type?: string) =>
    fields
      .filter(
        (f) => f.custom && f.name.toLowerCase() === name.toLowerCase() && (!type || f.schema?.type === type),
      )
      .map((f) => f.id);
  return {
    sprint: custom('com.pyxis.greenhopper.jira:gh-sprint')[0] ?? null,
    points: [
      ...custom('com.pyxis.greenhopper.jira:jsw-story-points'),
      ...named('Story Points', 'number'),
      ...named('Story point estimate', 'number'),
    ].filter((id, i, all) => all.indexOf(id) === i),
    flagged: named('Flagged')[0] ?? null,
    epicLink: custom('com.pyxis.greenhopper.jira:gh-epic-link')[0] ?? null,
  };
}

export const projectSchema = z.object({ id: z.string(), key: z.string(), name: z.string() }).loose();

export const boardSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    type: z.string(),
    location: optional(
      z.object({ projectKey: optional(z.string()), projectId: optional(z.number()) }).loose(),
    ),
  })
  .loose();

export const boardConfigSchema = z
  .object({
    estimation: optional(
      z
        .object({ type: optional(z.string()), field: optional(z.object({ fieldId: z.string() }).loose()) })
        .loose(),
    ),
  })
  .loose();

export const sprintSchema = z
  .object({
    id: z.number().int(),
    state: z.enum(['future', 'active', 'closed']),
    name: z.string(),
    startDate: optional(time),
    endDate: optional(time),
    completeDate: optional(time),
    createdDate: optional(time),
    originBoardId: optional(z.number().int()),
    goal: z.string().nullable().optional(),
  })
  .loose();
export type JiraSprint = z.infer<typeof sprintSchema>;

export function mapSprint(s: JiraSprint) {
  const t = (x: string | undefined) => (x === undefined ? null : isoTime(x));
  return {
    id: s.id,
    board_id: s.originBoardId ?? null,
    name: clean(s.name),
    goal: clean(s.goal ?? null),
    state: s.state,
    created_at: t(s.createdDate),
    start_at: t(s.startDate),
    end_at: t(s.endDate),
    complete_at: t(s.completeDate),
    raw: jiraPayload(s),
  };
}

// ---------------- issues ----------------

const issueFields = z
  .object({
    summary: z.string(),
    issuetype: z
      .object({ id: z.string(), name: z.string(), hierarchyLevel: optional(z.number().int()) })
      .loose(),
    status: z.object({ id: z.string(), name: z.string() }).loose(),
    created: time,
    updated: time,
    resolutiondate: time.nullable().optional(),
    resolution: z.object({ id: z.string(), name: z.string() }).loose().nullable().optional(),
    reporter: userSchema.nullable().optional(),
    assignee: userSchema.nullable().optional(),
    labels: optional(z.array(z.string())),
    parent: z
      .object({
        id: z.string(),
        key: z.string(),
        fields: optional(
          z
            .object({
              issuetype: optional(
                z.object({ name: z.string(), hierarchyLevel: optional(z.number().int()) }).loose(),
              ),
            })
            .loose(),
        ),
      })
      .loose()
      .nullable()
      .optional(),
    project: z.object({ id: z.string(), key: z.string() }).loose(),
  })
  .loose();

export const issueSchema = z
  .object({
    id: z.string().regex(/^\d+$/),
    key: z.string().regex(/^[A-Z][A-Z0-9_]*-\d+$/),
    fields: issueFields,
  })
  .loose();
export type JiraIssue = z.infer<typeof issueSchema>;

/** The minimum a search page must give for each issue to tell whether it changed. */
export const issueStampSchema = z
  .object({ id: z.string(), fields: z.object({ updated: time }).loose() })
  .loose();

const sprintValue = z.union([z.object({ id: z.number().int() }).loose(), z.string()]);
const sprintField = z.array(sprintValue).nullable().optional();
const pointsField = z.number().nullable().optional();
const flaggedField = z
  .array(z.object({ value: z.string() }).loose())
  .nullable()
  .optional();
const epicLinkField = z.string().nullable().optional();

/** Sprint ids from the Sprint field: objects on Cloud, "…Sprint@1f[id=12,…]" strings on Data Center. */
export function sprintIdsOf(value: z.infer<typeof sprintField>): number[] {
  const ids: number[] = [];
  for (const v of value ?? []) {
    if (typeof v === 'string') {
      const m = /[[,]id=(\d+)/.exec(v);
      if (m) ids.push(Number(m[1]));
    } else ids.push(v.id);
  }
  return ids;
}

/** The ids the sync chose for this project's custom fields. */
export interface ProjectFields {
  sprint: string | null;
  points: string | null;
  flagged: string | null;
  epicLink: string | null;
}

export interface IssueRow {
  id: string;
  key: string;
  project_id: string;
  project_key: string;
  issue_type: string;
  issue_type_id: string;
  hierarchy_level: number | null;
  summary: string;
  status_id: string;
  resolution: string | null;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  reporter_account_id: string | null;
  assignee_account_id: string | null;
  labels: string[];
  parent_key: string | null;
  epic_key: string | null;
  story_points: number | null;
  points_field_id: string | null;
  sprint_ids: number[];
  flagged: boolean;
  raw: unknown;
}

export interface MappedIssue {
  issue: IssueRow;
  users: UserRow[];
  /** Current values, the end of every history. */
  current: { statusId: string; sprintIds: number[]; points: number | null; flagged: boolean };
}

/** Called for a field dropped from a record that is kept: which field, and why. */
export type Degrade = (field: string, why: string) => void;

/**
 * An issue's row. A custom field that does not hold what its type promises (story points
 * as text, a Sprint field of another shape) is dropped and reported through `degrade`; the
 * issue is kept, as none of them is needed to place it.
 */
export function mapIssue(issue: JiraIssue, f: ProjectFields, degrade: Degrade = () => {}): MappedIssue {
  const x = issue.fields as JiraIssue['fields'] & Record<string, unknown>;
  const custom = <T>(id: string | null, schema: z.ZodType<T>, name: string): T | undefined => {
    if (!id) return undefined;
    const r = schema.safeParse(x[id]);
    if (r.success) return r.data;
    degrade(`${name} (fields.${id})`, `${r.error.issues[0]!.message}, got ${describe(x[id])}`);
    return undefined;
  };
  const sprintIds = sprintIdsOf(custom(f.sprint, sprintField, 'Sprint'));
  const points = custom(f.points, pointsField, 'story points') ?? null;
  const flagged = (custom(f.flagged, flaggedField, 'Flagged') ?? []).length > 0;
  const epicLink = custom(f.epicLink, epicLinkField, 'Epic Link') ?? null;
  const parent = x.parent ?? null;
  const parentIsEpic =
    parent !== null &&
    (parent.fields?.issuetype?.hierarchyLevel === 1 || parent.fields?.issuetype?.name === 'Epic');
  const users = [x.reporter, x.assignee].filter((u): u is JiraUser => !!u).map(mapUser);
  // The Sprint field embeds each sprint's state and dates, which change without the issue
  // changing; they live in jira_sprints, and the stored payload keeps only the ids.
  const rawFields: Record<string, unknown> = { ...x };
  if (f.sprint && rawFields[f.sprint] !== undefined)
    rawFields[f.sprint] = sprintIds.length ? sprintIds : null;
  return {
    issue: {
      id: issue.id,
      key: issue.key,
      project_id: x.project.id,
      project_key: x.project.key,
      issue_type: clean(x.issuetype.name),
      issue_type_id: x.issuetype.id,
      hierarchy_level: x.issuetype.hierarchyLevel ?? null,
      summary: clean(x.summary),
      status_id: x.status.id,
      resolution: x.resolution ? clean(x.resolution.name) : null,
      created_at: isoTime(x.created),
      updated_at: isoTime(x.updated),
      resolved_at: x.resolutiondate ? isoTime(x.resolutiondate) : null,
      reporter_account_id: accountOf(x.reporter),
      assignee_account_id: accountOf(x.assignee),
      labels: (x.labels ?? []).map((l) => clean(l)),
      parent_key: parent?.key ?? null,
      epic_key: parentIsEpic ? parent.key : epicLink,
      story_points: points,
      points_field_id: f.points,
      sprint_ids: sprintIds,
      flagged,
      raw: jiraPayload({ ...withoutChangelog(issue), fields: rawFields }),
    },
    users,
    current: { statusId: x.status.id, sprintIds, points, flagged },
  };
}

/** The histories are stored as rows; Data Center's search embeds them in the issue. */
function withoutChangelog(issue: JiraIssue): Record<string, unknown> {
  const { changelog: _changelog, ...rest } = issue as JiraIssue & { changelog?: unknown };
  return rest;
}

// ---------------- changelog ----------------

/**
 * A changelog item with absent values made explicit: an item without `toString` would
 * otherwise read Object.prototype.toString (a function) where the value belongs.
 */
function ownValues(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: Record<string, unknown> = { ...v };
  for (const k of ['from', 'fromString', 'to', 'toString']) if (!Object.hasOwn(v, k)) out[k] = null;
  return out;
}

/** A changelog author: only what rows keep (histories are not stored whole). */
const authorSchema = userFields.refine(identified, unidentified);

/** What a value is, for a message: `a string`, `an object`, `null`. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' || t === 'undefined' ? `an ${t}` : `a ${t}`;
}

/**
 * A history's author as rows keep it: absent for Jira's own changes, and dropped (with the
 * reason in `authorDropped`) when it carries no id, as a deleted user's may.
 */
const historyAuthor = z
  .unknown()
  .optional()
  .transform((v) => {
    if (v === null || v === undefined) return { author: null, dropped: null };
    const r = authorSchema.safeParse(v);
    return r.success
      ? { author: r.data, dropped: null }
      : { author: null, dropped: `${r.error.issues[0]!.message}, got ${describe(v)}` };
  });

/** One change history, reduced to what the rows need: a sync holds a thousand issues' worth at once. */
export const historySchema = z
  .object({
    id: z.string().min(1),
    author: historyAuthor,
    created: historyTime,
    items: z.array(
      z.preprocess(
        ownValues,
        z.object({
          field: z.string(),
          fieldId: optional(z.string()),
          fieldtype: optional(z.string()),
          from: z.string().nullish(),
          fromString: z.string().nullish(),
          to: z.string().nullish(),
          toString: z.string().nullish(),
        }),
      ),
    ),
  })
  .transform(({ author, ...h }) => ({ ...h, author: author.author, authorDropped: author.dropped }));
export type JiraHistory = z.infer<typeof historySchema>;

export type ChangeKind = 'status' | 'sprint' | 'points' | 'flagged';

export interface ChangeRow {
  issue_id: string;
  history_id: string;
  item_index: number;
  changed_at: string;
  author_account_id: string | null;
  kind: ChangeKind;
  field: string;
  field_id: string | null;
  from_value: string | null;
  from_string: string | null;
  to_value: string | null;
  to_string: string | null;
}

/** Which tracked field a changelog item is about (Data Center items name the field only). */
export function kindResolver(f: ProjectFields, idByName: ReadonlyMap<string, string>) {
  const kinds = new Map<string, ChangeKind>([['status', 'status']]);
  if (f.sprint) kinds.set(f.sprint, 'sprint');
  if (f.points) kinds.set(f.points, 'points');
  if (f.flagged) kinds.set(f.flagged, 'flagged');
  return (item: {
    field: string;
    fieldId?: string | undefined;
  }): { kind: ChangeKind; fieldId: string } | null => {
    const fieldId =
      item.fieldId ?? (item.field === 'status' ? 'status' : idByName.get(item.field.toLowerCase()));
    if (!fieldId) return null;
    const kind = kinds.get(fieldId);
    return kind ? { kind, fieldId } : null;
  };
}

/** The tracked items of an issue's histories, oldest first. */
export function mapChangelog(
  issueId: string,
  histories: readonly JiraHistory[],
  resolve: ReturnType<typeof kindResolver>,
): { changes: ChangeRow[]; users: UserRow[] } {
  const changes: ChangeRow[] = [];
  const users: UserRow[] = [];
  for (const h of histories) {
    let index = 0;
    for (const item of h.items) {
      const r = resolve(item);
      if (!r) continue;
      changes.push({
        issue_id: issueId,
        history_id: h.id,
        item_index: index++,
        changed_at: isoTime(h.created),
        author_account_id: accountOf(h.author),
        kind: r.kind,
        field: clean(item.field),
        field_id: r.fieldId,
        from_value: clean(item.from ?? null),
        from_string: clean(item.fromString ?? null),
        to_value: clean(item.to ?? null),
        to_string: clean(item.toString ?? null),
      });
    }
    if (h.author && index > 0) users.push(mapUser(h.author));
  }
  changes.sort(
    (a, b) =>
      a.changed_at.localeCompare(b.changed_at) ||
      compareIds(a.history_id, b.history_id) ||
      a.item_index - b.item_index,
  );
  return { changes, users };
}

const compareIds = (a: string, b: string) =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;

// ---------------- histories as intervals ----------------

export interface StatusPeriodRow {
  issue_id: string;
  seq: number;
  status_id: string;
  started_at: string;
  ended_at: string | null;
  entered_by_account_id: string | null;
}
export interface MembershipRow {
  issue_id: string;
  sprint_id: number;
  added_at: string;
  removed_at: string | null;
}
export interface PointsRow {
  issue_id: string;
  seq: number;
  points: number | null;
  started_at: string;
  ended_at: string | null;
}
export interface FlagRow {
  issue_id: string;
  started_at: string;
  ended_at: string | null;
}

export interface Periods {
  status: StatusPeriodRow[];
  memberships: MembershipRow[];
  points: PointsRow[];
  flags: FlagRow[];
}

const ids = (s: string | null) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => /^\d+$/.test(x))
    .map(Number);

const num = (s: string | null): number | null => {
  if (s === null || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

/** Closes the open interval of a sequence and opens the next, dropping empty ones. */
function sequence<V>(
  createdAt: string,
  initial: V,
  changes: { at: string; value: V; by: string | null }[],
  same: (a: V, b: V) => boolean,
) {
  const out: { value: V; from: string; to: string | null; by: string | null }[] = [
    { value: initial, from: createdAt, to: null, by: null },
  ];
  for (const c of changes) {
    const last = out[out.length - 1]!;
    if (same(last.value, c.value)) continue;
    const at = c.at < last.from ? last.from : c.at;
    last.to = at;
    out.push({ value: c.value, from: at, to: null, by: c.by });
  }
  return out.filter((p) => p.to === null || p.to > p.from);
}

/**
 * Status, sprint, story-point and flag histories of one issue as intervals from its
 * creation, from its changelog and current values. A value set when the issue was
 * created leaves no changelog entry: it is the `from` of the first change, or the
 * current value when the field never changed.
 */
export function derivePeriods(
  issue: { id: string; createdAt: string },
  current: MappedIssue['current'],
  changes: readonly ChangeRow[],
): Periods {
  const of = (k: ChangeKind) => changes.filter((c) => c.kind === k);
  const created = issue.createdAt;

  const st = of('status');
  const statuses = sequence(
    created,
    st.length ? (st[0]!.from_value ?? current.statusId) : current.statusId,
    st.map((c) => ({ at: c.changed_at, value: c.to_value ?? '', by: c.author_account_id })),
    (a, b) => a === b,
  ).filter((p) => p.value !== '');

  const pt = of('points');
  const points = sequence<number | null>(
    created,
    pt.length ? num(pt[0]!.from_string) : current.points,
    pt.map((c) => ({ at: c.changed_at, value: num(c.to_string), by: c.author_account_id })),
    (a, b) => a === b,
  );

  const fl = of('flagged');
  const flagged = sequence(
    created,
    fl.length ? (fl[0]!.from_string ?? '') !== '' : current.flagged,
    fl.map((c) => ({ at: c.changed_at, value: (c.to_string ?? '') !== '', by: c.author_account_id })),
    (a, b) => a === b,
  );

  const sp = of('sprint');
  const memberships: MembershipRow[] = [];
  const open = new Map<number, MembershipRow>();
  const initial = sp.length ? ids(sp[0]!.from_value) : current.sprintIds;
  for (const id of initial) {
    const row = { issue_id: issue.id, sprint_id: id, added_at: created, removed_at: null };
    open.set(id, row);
    memberships.push(row);
  }
  for (const c of sp) {
    const at = c.changed_at < created ? created : c.changed_at;
    const next = new Set(ids(c.to_value));
    for (const [id, row] of open)
      if (!next.has(id)) {
        row.removed_at = at;
        open.delete(id);
      }
    for (const id of next)
      if (!open.has(id)) {
        const row = { issue_id: issue.id, sprint_id: id, added_at: at, removed_at: null };
        open.set(id, row);
        memberships.push(row);
      }
  }

  return {
    status: statuses.map((p, seq) => ({
      issue_id: issue.id,
      seq,
      status_id: p.value,
      started_at: p.from,
      ended_at: p.to,
      entered_by_account_id: p.by,
    })),
    // A stay that ended where it began (added and removed in one instant) held nothing.
    memberships: memberships.filter((m) => m.removed_at === null || m.removed_at > m.added_at),
    points: points.map((p, seq) => ({
      issue_id: issue.id,
      seq,
      points: p.value,
      started_at: p.from,
      ended_at: p.to,
    })),
    flags: flagged
      .filter((p) => p.value)
      .map((p) => ({ issue_id: issue.id, started_at: p.from, ended_at: p.to })),
  };
}
