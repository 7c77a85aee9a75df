import type { IssueW, SprintW } from '../world/types.js';
import { CATEGORIES, FIELD, FLAG_OPTION, ISSUE_TYPES, STATUSES } from './catalogue.js';
import {
  agileTime,
  jiraTime,
  resolvedAt,
  sprintState,
  valueAt,
  type Flavour,
  type JiraModel,
} from './model.js';
import type { History } from './timeline.js';

/**
 * Payloads as Jira Cloud (platform v3, Agile 1.0) or Data Center (platform v2) send
 * them. Values that are null upstream are left out where Atlassian's schema declares
 * the property non-nullable (changelog from/to), and kept as null where Jira's free-form
 * `fields` map carries them.
 */

/**
 * The fields Jira returns for `*all`. Written here, not imported from the ingester's list of the
 * fields it asks for: the simulator describes Jira, so a field the client forgets to ask for
 * shows up as missing rather than as served.
 */
export const ALL_FIELDS = [
  'summary',
  'issuetype',
  'status',
  'created',
  'updated',
  'resolutiondate',
  'resolution',
  'reporter',
  'assignee',
  'labels',
  'parent',
  'project',
  'priority',
  FIELD.sprint,
  FIELD.storyPoints,
  FIELD.legacyStoryPoints,
  FIELD.flagged,
  FIELD.rank,
] as const;

const api = (flavour: Flavour) => (flavour === 'cloud' ? '3' : '2');

export class Renderer {
  constructor(
    readonly model: JiraModel,
    readonly base: string,
    readonly flavour: Flavour,
  ) {}

  avatars(kind: string, id: string) {
    const u = (s: number) => `${this.base}/secure/${kind}avatar?size=${s}&avatarId=${id}`;
    return { '16x16': u(16), '24x24': u(24), '32x32': u(32), '48x48': u(48) };
  }

  user(login: string | null): Record<string, unknown> | null {
    if (login === null) return null;
    const p = this.model.people.get(login);
    if (!p) return null;
    // Some people let their address be seen; the ingester must never keep it.
    const email = p.index % 2 === 0 ? { emailAddress: `${p.login}@example.com` } : {};
    if (this.flavour === 'datacenter')
      return {
        self: `${this.base}/rest/api/2/user?username=${p.login}`,
        name: p.login,
        key: `JIRAUSER${10_000 + p.index}`,
        ...email,
        avatarUrls: this.avatars('user', String(p.index)),
        displayName: p.name,
        active: true,
        timeZone: 'Etc/UTC',
      };
    return {
      self: `${this.base}/rest/api/3/user?accountId=${p.accountId}`,
      accountId: p.accountId ?? `bot:${p.login}`,
      ...email,
      avatarUrls: this.avatars('user', String(p.index)),
      displayName: p.name,
      active: true,
      timeZone: 'Etc/UTC',
      accountType: p.bot ? 'app' : 'atlassian',
    };
  }

  category(key: keyof typeof CATEGORIES) {
    const c = CATEGORIES[key];
    return { self: `${this.base}/rest/api/${api(this.flavour)}/statuscategory/${c.id}`, ...c };
  }

  status(name: string) {
    const s = STATUSES.find((x) => x.name === name)!;
    return {
      self: `${this.base}/rest/api/${api(this.flavour)}/status/${s.id}`,
      description: '',
      iconUrl: `${this.base}/images/icons/statuses/generic.png`,
      name: s.name,
      id: s.id,
      statusCategory: this.category(s.category),
    };
  }

  issueType(type: IssueW['type']) {
    const t = ISSUE_TYPES[type];
    return {
      self: `${this.base}/rest/api/${api(this.flavour)}/issuetype/${t.id}`,
      id: t.id,
      description: t.description,
      iconUrl: `${this.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/${t.id}`,
      name: type,
      subtask: false,
      avatarId: Number(t.id),
      hierarchyLevel: t.hierarchyLevel,
    };
  }

  project(key: string) {
    const p = this.model.world.jira.projects.find((x) => x.key === key)!;
    return {
      expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
      self: `${this.base}/rest/api/${api(this.flavour)}/project/${p.id}`,
      id: p.id,
      key: p.key,
      name: p.name,
      avatarUrls: this.avatars('project', p.id),
      projectTypeKey: 'software',
      simplified: false,
      style: 'classic',
      isPrivate: false,
      properties: {},
    };
  }

  /** A sprint as the Agile API shows it. */
  sprint(s: SprintW, now: number) {
    const state = sprintState(s, now);
    return {
      id: s.id,
      self: `${this.base}/rest/agile/1.0/sprint/${s.id}`,
      state,
      name: s.name,
      // Sprints not started yet have no dates until someone plans them. Cloud leaves an unset
      // date out; Data Center (and proxies in front of either) send it as null.
      ...(state === 'future'
        ? this.flavour === 'datacenter'
          ? { startDate: null, endDate: null }
          : {}
        : { startDate: agileTime(s.startAt), endDate: agileTime(s.endAt) }),
      ...(state === 'closed'
        ? { completeDate: agileTime(s.completeAt) }
        : this.flavour === 'datacenter'
          ? { completeDate: null }
          : {}),
      createdDate: agileTime(s.createdAt),
      originBoardId: s.boardId,
      goal: s.goal,
    };
  }

  /** A sprint as the issue's Sprint field holds it (an object on Cloud, a toString on Data Center). */
  sprintFieldValue(s: SprintW, now: number): unknown {
    const state = sprintState(s, now);
    if (this.flavour === 'datacenter') {
      const d = (t: number | null) => (t === null ? '<null>' : agileTime(t));
      return `com.atlassian.greenhopper.service.sprint.Sprint@${s.id.toString(16)}[id=${s.id},rapidViewId=${s.boardId},state=${state.toUpperCase()},name=${s.name},startDate=${d(state === 'future' ? null : s.startAt)},endDate=${d(state === 'future' ? null : s.endAt)},completeDate=${d(state === 'closed' ? s.completeAt : null)},activatedDate=${d(state === 'future' ? null : s.startAt)},sequence=${s.id},goal=${s.goal},autoStartStop=false,synced=false]`;
    }
    return {
      id: s.id,
      name: s.name,
      state,
      boardId: s.boardId,
      goal: s.goal,
      ...(state === 'future' ? {} : { startDate: agileTime(s.startAt), endDate: agileTime(s.endAt) }),
      ...(state === 'closed' ? { completeDate: agileTime(s.completeAt) } : {}),
    };
  }

  /** The requested fields of an issue at `now`; `null` asks for every field. */
  fields(issue: IssueW, now: number, wanted: ReadonlySet<string> | null): Record<string, unknown> {
    const want = (f: string) => wanted === null || wanted.has(f);
    const out: Record<string, unknown> = {};
    const status = valueAt(issue.statuses, now)!.status;
    if (want('summary'))
      out.summary =
        issue.malformed === 'odd-unicode' ? `${issue.summary} \u0000\uD800 \u202Eﬁx 🚀` : issue.summary;
    if (want('issuetype')) out.issuetype = this.issueType(issue.type);
    if (want('status')) out.status = issue.malformed === 'missing-status' ? null : this.status(status);
    if (want('created')) out.created = jiraTime(issue.createdAt);
    if (want('updated')) out.updated = jiraTime(this.model.updatedAt(issue, now));
    const resolved = resolvedAt(issue, now);
    if (want('resolutiondate')) out.resolutiondate = resolved === null ? null : jiraTime(resolved);
    if (want('resolution'))
      out.resolution =
        resolved === null
          ? null
          : {
              self: `${this.base}/rest/api/${api(this.flavour)}/resolution/10000`,
              id: '10000',
              description: 'Work has been completed on this issue.',
              name: 'Done',
            };
    if (want('reporter')) out.reporter = this.user(issue.reporter);
    if (want('assignee')) {
      // The assignee is set when work starts.
      const started = issue.statuses.find((s) => s.status !== 'To Do' && s.at <= now);
      out.assignee = issue.type === 'Incident' || started ? this.user(issue.assignee) : null;
    }
    if (want('labels')) out.labels = issue.labels;
    if (want('parent') && issue.epicKey) {
      const epic = this.model.issue(issue.epicKey);
      if (epic && epic.createdAt <= now)
        out.parent = {
          id: epic.id,
          key: epic.key,
          self: `${this.base}/rest/api/${api(this.flavour)}/issue/${epic.id}`,
          fields: {
            summary: epic.summary,
            status: this.status(valueAt(epic.statuses, now)!.status),
            issuetype: this.issueType('Epic'),
          },
        };
    }
    if (want('project')) out.project = this.project(issue.project);
    if (want('priority'))
      out.priority = {
        self: `${this.base}/rest/api/${api(this.flavour)}/priority/3`,
        iconUrl: `${this.base}/images/icons/priorities/medium.svg`,
        name: issue.type === 'Incident' ? 'Highest' : 'Medium',
        id: issue.type === 'Incident' ? '1' : '3',
      };
    if (want(FIELD.sprint)) {
      const ids = valueAt(issue.sprints, now)?.sprintIds ?? [];
      out[FIELD.sprint] = ids.length
        ? ids.map((id) => this.model.sprints.get(id)!).map((s) => this.sprintFieldValue(s, now))
        : null;
    }
    if (want(FIELD.storyPoints)) out[FIELD.storyPoints] = valueAt(issue.points, now)?.value ?? null;
    if (want(FIELD.legacyStoryPoints)) out[FIELD.legacyStoryPoints] = null;
    if (want(FIELD.flagged)) {
      const on = issue.flagged.some((f) => f.from <= now && (f.to === null || f.to > now));
      out[FIELD.flagged] = on
        ? [
            {
              self: `${this.base}/rest/api/${api(this.flavour)}/customFieldOption/${FLAG_OPTION.id}`,
              ...FLAG_OPTION,
            },
          ]
        : null;
    }
    if (want(FIELD.rank)) out[FIELD.rank] = `0|i${Number(issue.id).toString(36).padStart(5, '0')}:`;
    return out;
  }

  issue(issue: IssueW, now: number, wanted: ReadonlySet<string> | null, expand: Set<string>) {
    const out: Record<string, unknown> = {
      expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
      id: issue.id,
      self: `${this.base}/rest/api/${api(this.flavour)}/issue/${issue.id}`,
      key: issue.key,
    };
    if (wanted === null || wanted.size > 0) out.fields = this.fields(issue, now, wanted);
    if (expand.has('changelog')) {
      const histories = this.model.historiesAt(issue, now);
      // Jira Cloud truncates an embedded changelog (newest first); Data Center sends it whole.
      const shown = this.flavour === 'cloud' ? histories.slice(-40).reverse() : histories;
      out.changelog = {
        startAt: 0,
        maxResults: shown.length,
        total: histories.length,
        histories: shown.map((h) => this.history(h)),
      };
    }
    return out;
  }

  /**
   * A history's author as Jira gives it: some changes carry none (made by Jira itself, such as
   * a sprint's completion moving issues on), and on Data Center a deleted user is a name without
   * a key.
   */
  historyAuthor(h: History): Record<string, unknown> | null | undefined {
    const n = Number(h.id);
    if (n % 17 === 0) return undefined;
    if (this.flavour === 'datacenter' && n % 19 === 0) return { displayName: 'Former user', active: false };
    return this.user(h.author);
  }

  history(h: History, corrupt = false) {
    return {
      id: h.id,
      author: this.historyAuthor(h),
      created: corrupt ? 'yesterday' : jiraTime(h.at),
      items: h.items.map((i) => {
        const item: Record<string, string> = { field: i.field, fieldtype: i.fieldtype };
        if (this.flavour === 'cloud') item.fieldId = i.fieldId;
        for (const k of ['from', 'fromString', 'to', 'toString'] as const) {
          const v = i[k];
          if (v !== null) item[k] = v;
        }
        return item;
      }),
    };
  }

  board(b: { id: number; name: string; projectKey: string; type: string }) {
    const p = this.model.world.jira.projects.find((x) => x.key === b.projectKey)!;
    return {
      id: b.id,
      self: `${this.base}/rest/agile/1.0/board/${b.id}`,
      name: b.name,
      type: b.type,
      location: {
        projectId: Number(p.id),
        displayName: `${p.name} (${p.key})`,
        projectName: p.name,
        projectKey: p.key,
        projectTypeKey: 'software',
        avatarURI: `${this.base}/secure/projectavatar?size=small&avatarId=${p.id}`,
        name: `${p.name} (${p.key})`,
      },
    };
  }

  boardConfiguration(b: { id: number; name: string; projectKey: string; type: string }) {
    const col = (name: string, statuses: string[]) => ({
      name,
      statuses: statuses.map((n) => {
        const s = STATUSES.find((x) => x.name === n)!;
        return { id: s.id, self: `${this.base}/rest/api/2/status/${s.id}` };
      }),
    });
    return {
      id: b.id,
      name: b.name,
      type: b.type,
      self: `${this.base}/rest/agile/1.0/board/${b.id}/configuration`,
      location: { type: 'project', projectKeyOrId: b.projectKey },
      filter: { id: String(10_000 + b.id), self: `${this.base}/rest/api/2/filter/${10_000 + b.id}` },
      columnConfig: {
        columns: [
          col('To Do', ['To Do']),
          col('In Progress', ['In Progress', 'Blocked']),
          col('In Review', ['In Review']),
          col('Done', ['Done']),
        ],
        constraintType: 'none',
      },
      estimation: {
        type: 'field',
        field: { fieldId: FIELD.storyPoints, displayName: 'Story point estimate' },
      },
      ranking: { rankCustomFieldId: Number(FIELD.rank.replace('customfield_', '')) },
    };
  }

  fieldCatalogue() {
    const system = (id: string, name: string, type: string, extra: Record<string, unknown> = {}) => ({
      id,
      key: id,
      name,
      custom: false,
      orderable: true,
      navigable: true,
      searchable: true,
      clauseNames: [id],
      schema: { type, system: id, ...extra },
    });
    const custom = (id: string, name: string, type: string, custom: string, items?: string) => {
      const n = Number(id.replace('customfield_', ''));
      return {
        id,
        key: id,
        name,
        custom: true,
        orderable: true,
        navigable: true,
        searchable: true,
        clauseNames: [`cf[${n}]`, name],
        schema: { type, ...(items ? { items } : {}), custom, customId: n },
      };
    };
    return [
      system('summary', 'Summary', 'string'),
      system('issuetype', 'Issue Type', 'issuetype'),
      system('status', 'Status', 'status'),
      system('created', 'Created', 'datetime'),
      system('updated', 'Updated', 'datetime'),
      system('resolutiondate', 'Resolved', 'datetime'),
      system('resolution', 'Resolution', 'resolution'),
      system('reporter', 'Reporter', 'user'),
      system('assignee', 'Assignee', 'user'),
      system('labels', 'Labels', 'array', { items: 'string' }),
      system('parent', 'Parent', 'issuelink'),
      system('project', 'Project', 'project'),
      system('priority', 'Priority', 'priority'),
      custom(FIELD.sprint, 'Sprint', 'array', 'com.pyxis.greenhopper.jira:gh-sprint', 'json'),
      custom(
        FIELD.storyPoints,
        'Story point estimate',
        'number',
        'com.pyxis.greenhopper.jira:jsw-story-points',
      ),
      custom(
        FIELD.legacyStoryPoints,
        'Story Points',
        'number',
        'com.atlassian.jira.plugin.system.customfieldtypes:float',
      ),
      custom(
        FIELD.flagged,
        'Flagged',
        'array',
        'com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes',
        'option',
      ),
      custom(FIELD.rank, 'Rank', 'any', 'com.pyxis.greenhopper.jira:gh-lexo-rank'),
    ];
  }
}
