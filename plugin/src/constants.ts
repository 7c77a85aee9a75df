import pluginJson from './plugin.json';

export const APP_ID = pluginJson.id;

/** The route in plugin.json (`api/*`) through which Grafana forwards calls to the engmetrics API, adding the token. */
export const API_ROUTE = 'api';

/** Where the browser sends API calls: Grafana's plugin proxy, never the API itself. */
export const API_PROXY_BASE = `/api/plugin-proxy/${APP_ID}/${API_ROUTE}`;
