import { describe, expect, it } from '@jest/globals';
import { waitAsked } from '../../src/sources/jira/client.js';
import {
  derivePeriods,
  discoverFields,
  historySchema,
  isoTime,
  issueSchema,
  jiraPayload,
  kindResolver,
  mapChangelog,
  mapIssue,
  mapSprint,
  sprintIdsOf,
  sprintSchema,
  type ChangeRow,
  type JiraField,
} from '../../src/sources/jira/map.js';

/** The pure parts of the Jira source: no I/O. */

const change = (
  at: string,
  kind: ChangeRow['kind'],
  from: string | null,
  to: string | null,
  s?: [string | null, string | null],
) =>
  ({
    issue_id: '1',
    history_id: at,
    item_index: 0,
    changed_at: at,
    author_account_id: 'acc',
    kind,
    field: kind,
    field_id: kind,
    from_value: from,
    from_string: s?.[0] ?? null,
    to_value: to,
    to_string: s?.[1] ?? null,
  }) satisfies ChangeRow;

describe('Jira mapping', () => {
  it('reads Jira timestamps with a +hhmm offset', () => {
    expect(isoTime('2026-01-31T13:05:00.123+0000')).toBe('2026-01-31T13:05:00.123Z');
    expect(isoTime('2026-01-31T15:05:00.000+0200')).toBe('2026-01-31T13:05:00.000Z');
    expect(isoTime('2026-01-31T13:05:00Z')).toBe('2026-01-31T13:05:00.000Z');
  });

  it('reads sprint ids from Cloud objects and Data Center strings', () => {
    expect(sprintIdsOf([{ id: 12 }, { id: 15 }])).toEqual([12, 15]);
    expect(
      sprintIdsOf([
        'com.atlassian.greenhopper.service.sprint.Sprint@1f[id=12,rapidViewId=3,state=CLOSED,name=A,goal=]',
        'com.atlassian.greenhopper.service.sprint.Sprint@2a[id=15,rapidViewId=3,state=ACTIVE,name=B,goal=]',
      ]),
    ).toEqual([12, 15]);
    expect(sprintIdsOf(null)).toEqual([]);
  });

  it('finds the custom fields by type, Jira Cloud’s story-point estimate first', () => {
    const f = (id: string, name: string, type: string, custom?: string): JiraField => ({
      id,
      name,
      custom: custom !== undefined || id.startsWith('customfield_'),
      schema: { type, ...(custom ? { custom } : {}) },
    });
    const ids = discoverFields([
      f('summary', 'Summary', 'string'),
      f(
        'customfield_10028',
        'Story Points',
        'number',
        'com.atlassian.jira.plugin.system.customfieldtypes:float',
      ),
      f('customfield_10016', 'Story point estimate', 'number', 'com.pyxis.greenhopper.jira:jsw-story-points'),
      f('customfield_10020', 'Sprint', 'array', 'com.pyxis.greenhopper.jira:gh-sprint'),
      f(
        'customfield_10021',
        'Flagged',
        'array',
        'com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes',
      ),
      f('customfield_10014', 'Epic Link', 'any', 'com.pyxis.greenhopper.jira:gh-epic-link'),
    ]);
    expect(ids).toEqual({
      sprint: 'customfield_10020',
      points: ['customfield_10016', 'customfield_10028'],
      flagged: 'customfield_10021',
      epicLink: 'customfield_10014',
    });
  });

  it('stores payloads without email addresses or pictures, people as account ids and names', () => {
    expect(
      jiraPayload({
        key: 'PAY-1',
        fields: {
          reporter: {
            self: 'https://x/user',
            accountId: 'abc',
            emailAddress: 'a@example.com',
            displayName: 'Ada',
            avatarUrls: { '16x16': 'https://x/a.png' },
            timeZone: 'Etc/UTC',
          },
          issuetype: { id: '1', name: 'Story', iconUrl: 'https://x/i.png' },
          summary: 'bad \u0000 text \uD800',
        },
      }),
    ).toEqual({
      key: 'PAY-1',
      fields: {
        reporter: { accountId: 'abc', displayName: 'Ada' },
        issuetype: { id: '1', name: 'Story' },
        summary: 'bad  text \uFFFD',
      },
    });
  });

  it('reads null as absent in every optional field: a sprint not completed keeps its place', () => {
    const sprint = sprintSchema.parse({
      id: 12,
      state: 'active',
      name: 'PAY Sprint 12',
      startDate: '2026-01-05T09:00:00.000Z',
      endDate: '2026-01-16T17:00:00.000Z',
      completeDate: null,
      createdDate: null,
      originBoardId: 3,
      goal: null,
    });
    expect(mapSprint(sprint)).toMatchObject({ id: 12, board_id: 3, complete_at: null, created_at: null });
    const future = sprintSchema.parse({
      id: 13,
      state: 'future',
      name: 'S13',
      startDate: null,
      endDate: null,
      originBoardId: null,
    });
    expect(mapSprint(future)).toMatchObject({ start_at: null, end_at: null, board_id: null });
  });

  it('drops a custom field of the wrong type, saying which and why, and keeps the issue', () => {
    const issue = issueSchema.parse({
      id: '10001',
      key: 'PAY-1',
      fields: {
        summary: 'Refunds',
        issuetype: { id: '1', name: 'Story', hierarchyLevel: null },
        status: { id: '3', name: 'In Progress' },
        created: '2026-01-05T09:00:00.000+0000',
        updated: '2026-01-06T09:00:00.000+0000',
        labels: null,
        // Cloud documents a user's retired key and name as empty strings.
        reporter: { accountId: '5b10a2844c20165700ede21g', key: '', name: '', displayName: 'Mia Krystof' },
        project: { id: '100', key: 'PAY' },
        customfield_2: '5 points',
        customfield_1: { not: 'a list' },
      },
    });
    const dropped: [string, string][] = [];
    const mapped = mapIssue(
      issue,
      { sprint: 'customfield_1', points: 'customfield_2', flagged: null, epicLink: null },
      (field, why) => dropped.push([field, why]),
    );
    expect(mapped.issue).toMatchObject({
      key: 'PAY-1',
      story_points: null,
      sprint_ids: [],
      labels: [],
      reporter_account_id: '5b10a2844c20165700ede21g',
    });
    expect(dropped).toEqual([
      ['Sprint (fields.customfield_1)', expect.stringMatching(/, got an object$/)],
      ['story points (fields.customfield_2)', expect.stringMatching(/, got a string$/)],
    ]);
  });

  it('keeps a history whose author is missing or unusable, its author unknown and the reason said', () => {
    const base = { id: '9', created: '2026-01-31T13:05:00.000+0000', items: [{ field: 'status', to: '3' }] };
    expect(historySchema.parse(base)).toMatchObject({ author: null, authorDropped: null });
    expect(historySchema.parse({ ...base, author: null })).toMatchObject({
      author: null,
      authorDropped: null,
    });
    const deleted = historySchema.parse({ ...base, author: { displayName: 'Former user', active: false } });
    expect(deleted.author).toBeNull();
    expect(deleted.authorDropped).toMatch(
      /^a user needs an accountId \(Cloud\) or a key \(Data Center\), got an object$/,
    );
    expect(historySchema.parse({ ...base, author: 'robot' }).authorDropped).toMatch(/, got a string$/);
  });

  it('reads changelog items without values, and Data Center items that name the field only', () => {
    const parsed = historySchema.parse({
      id: '7',
      author: { key: 'JIRAUSER1', name: 'ada', displayName: 'Ada', avatarUrls: {} },
      created: '2026-01-31T13:05:00.000+0000',
      items: [
        { field: 'Sprint', fieldtype: 'custom', from: '', fromString: '', to: '12', toString: 'S1' },
        { field: 'Story Points', fieldtype: 'custom', toString: '5' },
        { field: 'Component', fieldtype: 'jira', to: '3', toString: 'API' },
      ],
    });
    const resolve = kindResolver(
      { sprint: 'customfield_1', points: 'customfield_2', flagged: null, epicLink: null },
      new Map([
        ['sprint', 'customfield_1'],
        ['story points', 'customfield_2'],
      ]),
    );
    const { changes, users } = mapChangelog('10', [parsed], resolve);
    expect(
      changes.map((c) => [c.kind, c.field_id, c.from_string, c.to_value, c.to_string, c.item_index]),
    ).toEqual([
      ['sprint', 'customfield_1', '', '12', 'S1', 0],
      ['points', 'customfield_2', null, null, '5', 1],
    ]);
    expect(users).toEqual([
      { account_id: 'JIRAUSER1', display_name: 'Ada', account_type: null, active: null },
    ]);
  });

  it('turns a changelog into intervals: values at creation, re-opening, carry-over, re-estimates, flags', () => {
    const created = '2026-01-01T09:00:00.000Z';
    const p = derivePeriods(
      { id: '1', createdAt: created },
      { statusId: '3', sprintIds: [11, 12], points: 8, flagged: false },
      [
        change('2026-01-02T09:00:00.000Z', 'sprint', '', '10'),
        change('2026-01-03T09:00:00.000Z', 'status', '1', '3'),
        change('2026-01-04T09:00:00.000Z', 'points', null, null, ['3', '5']),
        change('2026-01-04T12:00:00.000Z', 'flagged', null, '[1]', [null, 'Impediment']),
        change('2026-01-05T09:00:00.000Z', 'sprint', '10', ''),
        change('2026-01-06T09:00:00.000Z', 'status', '3', '5'),
        change('2026-01-06T12:00:00.000Z', 'flagged', '[1]', null, ['Impediment', null]),
        change('2026-01-07T09:00:00.000Z', 'sprint', '', '11'),
        change('2026-01-08T09:00:00.000Z', 'status', '5', '3'),
        change('2026-01-09T09:00:00.000Z', 'points', null, null, ['5', '8']),
        change('2026-01-10T09:00:00.000Z', 'sprint', '11', '11, 12'),
      ],
    );
    expect(p.status.map((s) => [s.status_id, s.started_at, s.ended_at])).toEqual([
      ['1', created, '2026-01-03T09:00:00.000Z'],
      ['3', '2026-01-03T09:00:00.000Z', '2026-01-06T09:00:00.000Z'],
      ['5', '2026-01-06T09:00:00.000Z', '2026-01-08T09:00:00.000Z'],
      ['3', '2026-01-08T09:00:00.000Z', null],
    ]);
    expect(p.memberships.map((m) => [m.sprint_id, m.added_at, m.removed_at])).toEqual([
      [10, '2026-01-02T09:00:00.000Z', '2026-01-05T09:00:00.000Z'],
      [11, '2026-01-07T09:00:00.000Z', null],
      [12, '2026-01-10T09:00:00.000Z', null],
    ]);
    expect(p.points.map((x) => [x.points, x.started_at, x.ended_at])).toEqual([
      [3, created, '2026-01-04T09:00:00.000Z'],
      [5, '2026-01-04T09:00:00.000Z', '2026-01-09T09:00:00.000Z'],
      [8, '2026-01-09T09:00:00.000Z', null],
    ]);
    expect(p.flags.map((f) => [f.started_at, f.ended_at])).toEqual([
      ['2026-01-04T12:00:00.000Z', '2026-01-06T12:00:00.000Z'],
    ]);
  });

  it('takes the current values as the whole history of a field that never changed', () => {
    const p = derivePeriods(
      { id: '1', createdAt: '2026-01-01T09:00:00.000Z' },
      { statusId: '1', sprintIds: [7], points: null, flagged: true },
      [],
    );
    expect(p.status).toEqual([
      {
        issue_id: '1',
        seq: 0,
        status_id: '1',
        started_at: '2026-01-01T09:00:00.000Z',
        ended_at: null,
        entered_by_account_id: null,
      },
    ]);
    expect(p.memberships).toEqual([
      { issue_id: '1', sprint_id: 7, added_at: '2026-01-01T09:00:00.000Z', removed_at: null },
    ]);
    expect(p.points).toEqual([
      { issue_id: '1', seq: 0, points: null, started_at: '2026-01-01T09:00:00.000Z', ended_at: null },
    ]);
    expect(p.flags).toEqual([{ issue_id: '1', started_at: '2026-01-01T09:00:00.000Z', ended_at: null }]);
  });

  it('waits what Jira asks: Retry-After seconds or date, else X-RateLimit-Reset (ISO-8601)', () => {
    const now = Date.parse('2026-01-31T13:00:00Z');
    expect(waitAsked({ 'retry-after': '7' }, now)).toBe(7);
    expect(waitAsked({ 'retry-after': 'Sat, 31 Jan 2026 13:00:30 GMT' }, now)).toBe(30);
    expect(waitAsked({ 'x-ratelimit-reset': '2026-01-31T13:00:12.000Z' }, now)).toBe(12);
    expect(waitAsked({}, now)).toBeNull();
  });
});
