import { bulkChangelog, issueChangelog } from './changelogs.js';
import { HttpError } from './http.js';
import { jiraTime, STATUSES } from './model.js';
import { linkedOffsetPage } from './linked-pages.js';
import { expandOf, fromQuery, wantedFields } from './params.js';
import { GET, GET_OR_POST, POST, type Route } from './routes.js';
import { searchByOffset, searchJql } from './search.js';
import { visibleIssue, type Answer, type JiraRequest, type JiraSite } from './site.js';

/**
 * The platform API, under /rest/api/3 (Cloud) or /rest/api/2 (Cloud and Data Center):
 * the caller, the server, catalogues, projects, search, changelogs and issues.
 */

const CHANGE_2046 =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';

export const platformRoutes: Route[] = [
  { methods: GET, path: /^myself$/, handle: (site) => ({ body: myself(site) }) },
  { methods: GET, path: /^serverInfo$/, handle: (site) => ({ body: serverInfo(site) }) },
  { methods: GET, path: /^field$/, handle: (site) => ({ body: site.render.fieldCatalogue() }) },
  {
    methods: GET,
    path: /^status$/,
    handle: (site) => ({ body: STATUSES.map((s) => site.render.status(s.name)) }),
  },
  {
    methods: GET,
    path: /^statuscategory$/,
    handle: (site) => ({
      body: (['undefined', 'new', 'indeterminate', 'done'] as const).map((k) => site.render.category(k)),
    }),
  },
  // Before project/{key}: on Data Center, project/search is a project named "search".
  {
    methods: GET,
    path: /^project\/search$/,
    cloudOnly: true,
    handle: (site, req) => projectSearch(site, req.url),
  },
  {
    methods: GET,
    path: /^project$/,
    handle: (site) => ({ body: site.world.jira.projects.map((x) => site.render.project(x.key)) }),
  },
  { methods: GET, path: /^project\/([^/]+)$/, handle: project },
  { methods: GET_OR_POST, path: /^search$/, handle: searchByOffsetOrGone },
  {
    methods: GET_OR_POST,
    path: /^search\/jql$/,
    cloudOnly: true,
    handle: (site, req) => ({ body: searchJql(site, params(req), req.corrupt) }),
  },
  {
    methods: POST,
    path: /^changelog\/bulkfetch$/,
    cloudOnly: true,
    handle: (site, req) => ({ body: bulkChangelog(site, req.body(), req.corrupt) }),
  },
  {
    methods: GET,
    path: /^issue\/([^/]+)\/changelog$/,
    cloudOnly: true,
    handle: (site, req, m) => ({ body: issueChangelog(site, decodeURIComponent(m[1]!), req.url) }),
  },
  { methods: GET, path: /^issue\/([^/]+)$/, handle: issue },
];

/** A search's parameters: the query string of a GET, the body of a POST. */
const params = (req: JiraRequest) => (req.method === 'GET' ? fromQuery(req.url.searchParams) : req.body());

function myself(site: JiraSite) {
  const lead = site.world.people.find((x) => !x.bot)!;
  return {
    ...site.render.user(lead.login),
    ...(site.flavour === 'cloud' ? { locale: 'en_US' } : {}),
    groups: { size: 1, items: [] },
    applicationRoles: { size: 1, items: [] },
    expand: 'groups,applicationRoles',
  };
}

function serverInfo(site: JiraSite) {
  const cloud = site.flavour === 'cloud';
  return {
    baseUrl: site.url,
    displayUrl: site.url,
    version: cloud ? '1001.0.0-SNAPSHOT' : '9.12.15',
    versionNumbers: cloud ? [1001, 0, 0] : [9, 12, 15],
    deploymentType: cloud ? 'Cloud' : 'Server',
    buildNumber: cloud ? 100_290 : 9_120_015,
    buildDate: '2026-01-15T00:00:00.000+0000',
    serverTime: jiraTime(Date.now()),
    scmInfo: 'engmetrics-simulator',
    serverTitle: 'Jira',
  };
}

function projectSearch(site: JiraSite, url: URL): Answer {
  const q = url.searchParams;
  const keys = q
    .getAll('keys')
    .flatMap((k) => k.split(','))
    .filter(Boolean);
  const all = site.world.jira.projects.filter((x) => keys.length === 0 || keys.includes(x.key));
  return {
    body: linkedOffsetPage(site, url, all, (x) => site.render.project(x.key), { byDefault: 50, cap: 100 }),
  };
}

function project(site: JiraSite, _req: JiraRequest, m: RegExpExecArray): Answer {
  const want = decodeURIComponent(m[1]!);
  const found = site.world.jira.projects.find((x) => x.key === want.toUpperCase() || x.id === want);
  if (!found) throw new HttpError(404, `No project could be found with key '${want}'.`);
  return { body: site.render.project(found.key) };
}

/** Data Center's search; Cloud has removed it (CHANGE-2046) and answers 410. */
function searchByOffsetOrGone(site: JiraSite, req: JiraRequest): Answer {
  if (site.flavour === 'cloud') return { status: 410, body: { errorMessages: [CHANGE_2046], errors: {} } };
  return { body: searchByOffset(site, params(req), req.corrupt) };
}

function issue(site: JiraSite, req: JiraRequest, m: RegExpExecArray): Answer {
  const found = visibleIssue(site, decodeURIComponent(m[1]!));
  const q = req.url.searchParams;
  return {
    body: site.render.issue(
      found,
      site.now,
      wantedFields(q.getAll('fields'), null),
      expandOf(q.get('expand')),
    ),
  };
}
