import { InvalidResponseError, classifyFailure, insightRequest } from './api';
import { noBoardProblem, unauthorizedProblem, unavailableProblem } from './fixtures';

describe('insightRequest', () => {
  it('goes to the app route of the plugin proxy, sprint before team, refresh only when asked', () => {
    expect(insightRequest({ team: 'payments' })).toMatchObject({
      url: '/api/plugin-proxy/engmetrics-sprinthealth-app/api/insights/sprint-health',
      method: 'GET',
      params: { team: 'payments' },
      showErrorAlert: false,
    });
    expect(insightRequest({ team: 'payments', sprint: '4211', refresh: true }).params).toEqual({
      sprint: '4211',
      refresh: 'true',
    });
  });
});

describe('classifyFailure', () => {
  const fetchError = (status: number, data: unknown = '') => ({ status, statusText: '', data });

  it.each([
    ['a 401 problem from the API', fetchError(401, unauthorizedProblem), 'unauthorized'],
    [
      "Grafana's 403 for a role below the route's reqRole",
      fetchError(403, { message: 'plugin proxy route access denied' }),
      'forbidden',
    ],
    ['a 404 problem (no board)', fetchError(404, noBoardProblem), 'not_found'],
    ["Grafana's own 404 (no such route)", fetchError(404, { message: 'plugin route match not found' }), 'server'],
    ['a 400 problem', fetchError(400, { ...noBoardProblem, status: 400, code: 'bad_request' }), 'bad_request'],
    ["Grafana's 502 with no body (API down)", fetchError(502), 'unreachable'],
    ["Grafana's 504 with no body (API too slow)", fetchError(504), 'unreachable'],
    ['a 503 problem from the API', fetchError(503, unavailableProblem), 'server'],
    ['a network error', new TypeError('Failed to fetch'), 'unreachable'],
    ['a 200 that is not an insight', new InvalidResponseError(), 'invalid_response'],
  ])('%s', (_what, error, kind) => {
    expect(classifyFailure(error).kind).toBe(kind);
  });

  it("keeps Grafana's message when there is no problem body", () => {
    expect(classifyFailure(fetchError(404, { message: 'plugin route match not found' }))).toEqual({
      kind: 'server',
      status: 404,
      problem: undefined,
      message: 'plugin route match not found',
    });
  });
});
