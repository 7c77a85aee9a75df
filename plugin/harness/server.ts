import fs from 'fs';
import http from 'http';
import path from 'path';
import type { AddressInfo } from 'net';

// PLUGIN_DIST renders another build (the shipped one, under another package set).
export const DIST_DIR = path.resolve(process.env.PLUGIN_DIST || path.resolve(__dirname, '../dist'));
const ICONS_DIR = path.dirname(require.resolve('@grafana/ui/package.json')) + '/dist/public/img/icons';

/** What Grafana keeps for the app: plugin settings jsonData and (decrypted) secureJsonData. */
export interface AppSettings {
  jsonData: { apiUrl?: string };
  secureJsonData: { apiToken?: string };
}

/** An answer the API could give: a JSON body with its status. */
export interface UpstreamAnswer {
  status: number;
  body: unknown;
}

/**
 * Stands in for the API behind the proxy when set, for the states the demo data cannot be made to
 * show on demand (a slow answer, a particular insight, a 503). The route is still matched and its
 * headers filled in, so a stubbed request goes through the same proxy as a real one.
 */
export interface Upstream {
  answer?: (path: string, query: URLSearchParams) => Promise<UpstreamAnswer>;
}

interface Route {
  path: string;
  method?: string;
  url: string;
  reqRole?: string;
  headers?: { name: string; content: string }[];
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
  '.map': 'application/json',
};

/**
 * Serves the harness page, the built plugin, Grafana's icons, and Grafana's plugin proxy for the
 * app: routes are read from the built dist/plugin.json and applied as Grafana applies them
 * (method, `path/*` match, `{{ .JsonData.x }}` / `{{ .SecureJsonData.x }}` templates, 502 when the
 * upstream cannot be reached), so the browser never sees the token.
 */
export async function startHarnessServer(settings: AppSettings, bundleFile: string, upstream: Upstream = {}) {
  const pluginJson = JSON.parse(fs.readFileSync(path.join(DIST_DIR, 'plugin.json'), 'utf8'));
  const routes: Route[] = pluginJson.routes ?? [];
  const proxyPrefix = `/api/plugin-proxy/${pluginJson.id}/`;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://harness');
    try {
      if (url.pathname === '/') {
        return send(res, 200, 'text/html', PAGE);
      }
      if (url.pathname === '/harness.js') {
        return sendFile(res, bundleFile);
      }
      if (url.pathname.startsWith('/plugin/')) {
        return sendFile(res, safeJoin(DIST_DIR, url.pathname.slice('/plugin/'.length)));
      }
      if (url.pathname.startsWith('/public/build/img/icons/')) {
        return sendFile(res, safeJoin(ICONS_DIR, url.pathname.slice('/public/build/img/icons/'.length)));
      }
      if (url.pathname.startsWith(proxyPrefix)) {
        return await proxy(req, res, url.pathname.slice(proxyPrefix.length), url.search, routes, settings, upstream);
      }
      send(res, 404, 'application/json', JSON.stringify({ message: 'Not found' }));
    } catch (err) {
      send(res, 500, 'text/plain', String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A stubbed answer still pending would otherwise hold the server open.
        server.closeAllConnections();
      }),
  };
}

async function proxy(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  proxyPath: string,
  search: string,
  routes: Route[],
  settings: AppSettings,
  upstream: Upstream
) {
  const route = routes.find(
    (r) => (!r.method || r.method === '*' || r.method === req.method) && matches(r.path, proxyPath)
  );
  if (!route) {
    return send(res, 404, 'application/json', JSON.stringify({ message: 'plugin route match not found' }));
  }
  const rest = route.path.endsWith('/*') ? proxyPath.slice(route.path.length - 1) : '';
  const base = template(route.url, settings).replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: String(req.headers.accept ?? '*/*') };
  for (const h of route.headers ?? []) {
    headers[h.name] = template(h.content, settings);
  }
  if (upstream.answer) {
    const answer = await upstream.answer(rest, new URLSearchParams(search));
    return send(res, answer.status, 'application/json', JSON.stringify(answer.body));
  }
  let answer: Response;
  try {
    answer = await fetch(`${base}/${rest}${search}`, {
      method: req.method,
      headers,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    // Grafana's reverse proxy: 504 on a timeout, 502 on anything else, with no body.
    res.writeHead((err as Error).name === 'TimeoutError' ? 504 : 502).end();
    return;
  }
  const body = Buffer.from(await answer.arrayBuffer());
  res.writeHead(answer.status, {
    'content-type': answer.headers.get('content-type') ?? 'application/octet-stream',
  });
  res.end(body);
}

function matches(routePath: string, proxyPath: string): boolean {
  return routePath.endsWith('/*') ? proxyPath.startsWith(routePath.slice(0, -1)) : proxyPath === routePath;
}

function template(text: string, settings: AppSettings): string {
  return text.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_m, where: string, key: string) => {
    const source = where === 'JsonData' ? settings.jsonData : settings.secureJsonData;
    return String((source as Record<string, unknown>)[key] ?? '');
  });
}

function safeJoin(root: string, rel: string): string {
  const full = path.resolve(root, decodeURIComponent(rel));
  if (!full.startsWith(root + path.sep)) {
    throw new Error(`outside ${root}: ${rel}`);
  }
  return full;
}

function sendFile(res: http.ServerResponse, file: string) {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    return send(res, 404, 'text/plain', 'Not found');
  }
  send(res, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

const PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Sprint Health panel harness</title></head>
  <body><div id="root"></div><script src="/harness.js"></script></body>
</html>`;
