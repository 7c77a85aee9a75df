import { jsonSender, type Dialect } from '../http.js';

/** GitHub's JSON answers, and its words for the answers that are the simulator's own. */

export const GITHUB_JSON = 'application/json; charset=utf-8';

export const sendJson = jsonSender(GITHUB_JSON);

export const GITHUB_DIALECT: Dialect = {
  sendJson,
  notFound: (res) => sendJson(res, 404, { message: 'Not Found' }),
  crashed: (res, err) => sendJson(res, 500, { message: `simulator error: ${String(err)}` }),
};
