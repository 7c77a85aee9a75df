import type { IncomingMessage, ServerResponse } from 'node:http';
import type { World } from '../world/types.js';
import type { Credentials } from './credentials.js';
import { sendJson } from './http.js';
import { isoSeconds, simpleUser } from './rest.js';

/**
 * The GitHub App endpoints a client needs to act as an installation: find the
 * organisation's installation and exchange the app's JWT for an installation token.
 * They authenticate with the app's JWT, not a token.
 */

export function isAppEndpoint(path: string): boolean {
  return path.startsWith('/app') || /^\/orgs\/[^/]+\/installation$/.test(path);
}

export function serveAppEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  world: World,
  credentials: Credentials,
): void {
  const appId = credentials.appOf(req);
  if (appId === null)
    return sendJson(res, 401, {
      message: 'A JSON web token could not be decoded',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
  const installation = installationJson(world, appId);
  if (req.method === 'GET' && url.pathname === '/app/installations')
    return sendJson(res, 200, [installation]);
  const org = /^\/orgs\/([^/]+)\/installation$/.exec(url.pathname);
  if (req.method === 'GET' && org)
    return org[1]!.toLowerCase() === world.org.login.toLowerCase()
      ? sendJson(res, 200, installation)
      : sendJson(res, 404, { message: 'Not Found' });
  const m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
  if (req.method === 'POST' && m) {
    if (Number(m[1]) !== installation.id) return sendJson(res, 404, { message: 'Not Found' });
    const { token, expires } = credentials.issueInstallationToken(installation.id);
    return sendJson(res, 201, {
      token,
      expires_at: isoSeconds(expires),
      permissions: installation.permissions,
      repository_selection: 'all',
    });
  }
  return sendJson(res, 404, { message: 'Not Found' });
}

/** The app's one installation, on the organisation, with read access to all it syncs. */
function installationJson(world: World, appId: number) {
  const installationId = appId * 10 + 1;
  return {
    id: installationId,
    account: simpleUser(world.org.login, 'Organization'),
    access_tokens_url: `https://api.github.com/app/installations/${installationId}/access_tokens`,
    repositories_url: 'https://api.github.com/installation/repositories',
    html_url: `https://github.com/organizations/${world.org.login}/settings/installations/${installationId}`,
    app_id: appId,
    app_slug: 'engmetrics',
    target_id: world.org.databaseId,
    target_type: 'Organization',
    permissions: {
      metadata: 'read',
      contents: 'read',
      pull_requests: 'read',
      deployments: 'read',
      actions: 'read',
    },
    events: [],
    created_at: isoSeconds(world.spec.start),
    updated_at: isoSeconds(world.spec.start),
    single_file_name: null,
    repository_selection: 'all',
    suspended_by: null,
    suspended_at: null,
  };
}
