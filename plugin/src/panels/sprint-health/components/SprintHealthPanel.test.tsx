import React from 'react';
import { NEVER, Subject, of, throwError } from 'rxjs';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  EventBusSrv,
  LoadingState,
  type PanelProps,
  type TimeRange,
  dateTime,
  getDefaultTimeRange,
} from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { SprintHealthPanel, layoutFor } from './SprintHealthPanel';
import { type SprintHealthOptions, defaultOptions } from '../types';
import {
  atRiskInsight,
  closedBetweenSprintsInsight,
  lowHistoryForecastInsight,
  noBoardProblem,
  offTrackRulesInsight,
  olderApiInsight,
  onTrackInsight,
  refusedForecastInsight,
  unauthorizedProblem,
  unavailableProblem,
} from '../../../insight/fixtures';
import { testIds } from '../../../components/testIds';
import { sprintHealthTestIds } from '../testIds';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

const PROXY_URL = '/api/plugin-proxy/engmetrics-sprinthealth-app/api/insights/sprint-health';
const NOW = Date.parse('2026-03-12T09:00:00Z');

const fetch = jest.fn();

/** Grafana's variable interpolation for the few forms a panel option can hold. */
function variables(values: Record<string, string | string[]>) {
  return (text: string, _scoped?: unknown, format?: unknown) =>
    text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) => {
      const value = values[braced ?? bare];
      if (value === undefined) {
        return whole;
      }
      if (typeof format === 'function') {
        return format(value);
      }
      return Array.isArray(value) ? value.join(',') : value;
    });
}

function props(
  overrides: Partial<SprintHealthOptions> = {},
  vars: Record<string, string | string[]> = { team: 'payments', sprint: '' },
  size = { width: 960, height: 540 },
  timeRange: TimeRange = getDefaultTimeRange()
): PanelProps<SprintHealthOptions> {
  return {
    id: 7,
    data: { series: [], state: LoadingState.Done, timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...defaultOptions, ...overrides },
    fieldConfig: { defaults: {}, overrides: [] },
    width: size.width,
    height: size.height,
    title: 'Sprint health',
    eventBus: new EventBusSrv(),
    renderCounter: 0,
    transparent: false,
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    replaceVariables: variables(vars),
    onChangeTimeRange: jest.fn(),
  } as unknown as PanelProps<SprintHealthOptions>;
}

const ok = (data: unknown) => of({ status: 200, ok: true, data });
/** What getBackendSrv().fetch throws for a non-2xx answer: a FetchError with the parsed body. */
const failed = (status: number, data: unknown = '') =>
  throwError(() => ({ status, statusText: '', data, config: { url: PROXY_URL } }));

const lastRequest = () => fetch.mock.calls[fetch.mock.calls.length - 1][0];

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
  fetch.mockReset().mockReturnValue(ok(atRiskInsight));
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as unknown as ReturnType<typeof getBackendSrv>);
});

afterEach(() => jest.restoreAllMocks());

describe('requests', () => {
  it("asks Grafana's plugin proxy for the team's active sprint when no sprint is selected", async () => {
    render(<SprintHealthPanel {...props()} />);
    await screen.findByTestId(testIds.panel.status);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(lastRequest()).toEqual(
      expect.objectContaining({ url: PROXY_URL, method: 'GET', params: { team: 'payments' }, showErrorAlert: false })
    );
  });

  it('asks for the selected sprint when the sprint variable has a value', async () => {
    render(<SprintHealthPanel {...props({}, { team: 'payments', sprint: '4211' })} />);
    await screen.findByTestId(testIds.panel.status);
    expect(lastRequest().params).toEqual({ sprint: '4211' });
  });

  it('takes the first value of a multi-value variable and literal values from the options', async () => {
    const { unmount } = render(<SprintHealthPanel {...props({}, { team: ['mobile', 'payments'], sprint: [] })} />);
    await screen.findByTestId(testIds.panel.status);
    expect(lastRequest().params).toEqual({ team: 'mobile' });
    unmount();

    render(<SprintHealthPanel {...props({ team: 'platform', sprint: '' }, {})} />);
    await screen.findByTestId(testIds.panel.status);
    expect(lastRequest().params).toEqual({ team: 'platform' });
  });

  it('never calls the API itself or sends a token from the browser', async () => {
    render(<SprintHealthPanel {...props()} />);
    await screen.findByTestId(testIds.panel.status);
    const request = lastRequest();
    expect(request.url.startsWith('/api/plugin-proxy/')).toBe(true);
    expect(request.headers?.Authorization).toBeUndefined();
  });

  it('asks again when the dashboard refreshes (the time range moves)', async () => {
    const first = props();
    const { rerender } = render(<SprintHealthPanel {...first} />);
    await screen.findByTestId(testIds.panel.status);
    const later = { from: dateTime(NOW - 3_600_000), to: dateTime(NOW + 60_000), raw: { from: 'now-1h', to: 'now' } };
    rerender(<SprintHealthPanel {...props({}, undefined, undefined, later)} />);
    await screen.findByTestId(testIds.panel.status);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(lastRequest().params).toEqual({ team: 'payments' });
  });
});

describe('states', () => {
  it('shows a loading state until the API answers', () => {
    fetch.mockReturnValue(NEVER);
    render(<SprintHealthPanel {...props()} />);
    expect(screen.getByTestId(testIds.panel.loading)).toHaveTextContent('Loading sprint health');
  });

  it('shows the insight: status, score, sprint, summary, sections, source and age', async () => {
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.status)).toHaveTextContent('At risk');
    expect(screen.getByTestId(testIds.panel.score)).toHaveTextContent('58/100');
    expect(screen.getByTestId(testIds.panel.sprint)).toHaveTextContent('PAY Sprint 42');
    expect(screen.getByTestId(testIds.panel.sprint)).toHaveTextContent('payments · 2 Mar – 16 Mar · 4.3 days left');
    expect(screen.getByTestId(testIds.panel.summary)).toHaveTextContent(/^Scope grew by 31% since the sprint started/);

    const risks = screen.getByTestId(testIds.panel.section('risks'));
    expect(within(risks).getByText('Scope grew by 31% after the sprint started')).toBeInTheDocument();
    expect(within(risks).getByText(/Five issues \(13 points\) were added/)).toBeInTheDocument();
    expect(within(risks).getAllByText('high')).toHaveLength(1);
    const bottlenecks = screen.getByTestId(testIds.panel.section('bottlenecks'));
    expect(within(bottlenecks).getByText('Reviews wait 2.4 days for a first response')).toBeInTheDocument();
    const recommendations = screen.getByTestId(testIds.panel.section('recommendations'));
    expect(within(recommendations).getByText('Move the unestimated bugs to the next sprint')).toBeInTheDocument();

    expect(screen.getByTestId(testIds.panel.source)).toHaveTextContent('Written by gpt-4.1');
    expect(screen.getByTestId(testIds.panel.source)).toHaveTextContent('generated 15 minutes ago');
  });

  it("shows the score's basis, in the API's words, with how the rules reached the score", async () => {
    render(<SprintHealthPanel {...props()} />);
    const basis = await screen.findByTestId(sprintHealthTestIds.basis);
    expect(basis).toHaveTextContent(/^At risk: scope changed by 31% since the start$/);
    // A paragraph is read as it is; the arithmetic is a button's name, and its tooltip on hover and focus.
    expect(basis).not.toHaveAttribute('aria-label');
    expect(basis).not.toHaveAttribute('tabindex');
    expect(
      screen.getByRole('button', {
        name: 'How the score was reached: Score 58 = 100 − 30 (scope) − 12 (behind), by the rules sprint-score/v1',
      })
    ).toBeInTheDocument();
  });

  it('names the score, not just its digits', async () => {
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByRole('img', { name: 'Score 58 out of 100' })).toBe(
      screen.getByTestId(testIds.panel.score)
    );
  });

  it('says which items of the LLM answer the check left out, and why', async () => {
    render(<SprintHealthPanel {...props()} />);
    const refused = await screen.findByTestId(sprintHealthTestIds.refused);
    expect(refused).toHaveTextContent('1 item left out by the grounding check');
    expect(refused).toHaveAttribute(
      'aria-label',
      '1 item left out by the grounding check: Risk 3: its detail writes the number 14 itself, where a number must name its fact'
    );
  });

  it('shows an insight from an API older than the engine score, without the basis', async () => {
    const { scoreBasis: _basis, refused: _refused, promptVersion: _prompt, ...older } = atRiskInsight;
    fetch.mockReturnValue(ok(older));
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.score)).toHaveTextContent('58/100');
    expect(screen.queryByTestId(sprintHealthTestIds.basis)).toBeNull();
    expect(screen.queryByTestId(sprintHealthTestIds.refused)).toBeNull();
  });

  it('shows the forecast under the score basis, before the summary', async () => {
    render(<SprintHealthPanel {...props()} />);
    const forecast = await screen.findByRole('group', { name: 'Forecast' });
    expect(forecast).toHaveTextContent('38.4% likely to finish by Mon 16 Mar');
    expect(within(forecast).getByRole('list', { name: 'Likely done by' })).toHaveTextContent('85% by Fri 20 Mar');
    const order = (a: Element, b: Element) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING;
    expect(order(screen.getByTestId(sprintHealthTestIds.basis), forecast)).toBeTruthy();
    expect(order(forecast, screen.getByTestId(testIds.panel.summary))).toBeTruthy();
  });

  it.each([
    ['the wall layout, with what is left', { width: 960, height: 540 }, 'false', true],
    ['the narrow layout', { width: 360, height: 640 }, 'false', false],
    ['the compact layout', { width: 360, height: 300 }, 'true', false],
  ])('shows the forecast in %s', async (_layout, size, compact, detail) => {
    render(<SprintHealthPanel {...props({}, undefined, size)} />);
    const forecast = await screen.findByRole('group', { name: 'Forecast' });
    expect(screen.getByTestId(testIds.panel.root)).toHaveAttribute('data-compact', compact);
    expect(forecast).toHaveTextContent('38.4% likely to finish by Mon 16 Mar');
    expect(within(forecast).getAllByRole('listitem')).toHaveLength(5);
    expect(within(forecast).queryByText('11 issues left') !== null).toBe(detail);
  });

  it('warns under a forecast from little history', async () => {
    fetch.mockReturnValue(ok(lowHistoryForecastInsight));
    render(<SprintHealthPanel {...props()} />);
    const forecast = await screen.findByRole('group', { name: 'Forecast' });
    expect(forecast).toHaveTextContent('74.5% likely to finish by Fri 20 Mar');
    expect(within(forecast).getByTestId(sprintHealthTestIds.forecastWarning)).toHaveTextContent(
      /^Only 19 working days of history/
    );
  });

  it('says why there is no forecast when the API refuses one', async () => {
    fetch.mockReturnValue(ok(refusedForecastInsight));
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(sprintHealthTestIds.forecast)).toHaveTextContent(
      'No forecast: only 6 working days of history; a forecast needs at least 10'
    );
    expect(screen.queryByRole('group', { name: 'Forecast' })).toBeNull();
    expect(screen.queryByText(/likely to finish/)).toBeNull();
  });

  it.each([
    ['a closed sprint', closedBetweenSprintsInsight],
    ['an API older than the forecast', olderApiInsight],
  ])('shows no forecast for %s, and the rest as before', async (_what, insight) => {
    fetch.mockReturnValue(ok(insight));
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.score)).toHaveTextContent('58/100');
    expect(screen.getByTestId(testIds.panel.summary)).toHaveTextContent(/^Scope grew by 31%/);
    expect(screen.queryByTestId(sprintHealthTestIds.forecast)).toBeNull();
    expect(screen.queryByText(/likely to finish|No forecast/)).toBeNull();
  });

  it('links the Jira issues and pull requests each item cites', async () => {
    render(<SprintHealthPanel {...props()} />);
    const bottlenecks = await screen.findByTestId(testIds.panel.section('bottlenecks'));
    const pr = within(bottlenecks).getByRole('link', { name: 'Pull request acme/payments-api#1184' });
    expect(pr).toHaveAttribute('href', 'https://github.com/acme/payments-api/pull/1184');
    expect(pr).toHaveAttribute('target', '_blank');
    expect(within(bottlenecks).getByRole('link', { name: 'Issue PAY-298' })).toHaveAttribute(
      'href',
      'https://acme.atlassian.net/browse/PAY-298'
    );
    // A ref without a URL is named but not linked.
    expect(within(bottlenecks).getByText('LED-77')).toBeInTheDocument();
    expect(within(bottlenecks).queryByRole('link', { name: /LED-77/ })).not.toBeInTheDocument();

    const risks = screen.getByTestId(testIds.panel.section('risks'));
    expect(
      within(risks)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href'))
    ).toEqual([
      'https://acme.atlassian.net/browse/PAY-311',
      'https://acme.atlassian.net/browse/PAY-318',
      'https://acme.atlassian.net/browse/PAY-322',
    ]);
  });

  it('names the rule-based writer and why it answered', async () => {
    fetch.mockReturnValue(ok(offTrackRulesInsight));
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.status)).toHaveTextContent('Off track');
    const source = screen.getByTestId(testIds.panel.source);
    expect(source).toHaveTextContent('Rule-based');
    // A real button, so a screen reader in reading mode reaches the reason too.
    expect(
      within(source).getByRole('button', {
        name: 'Why rule-based: The model cited facts that are not in the fact sheet',
      })
    ).toBeInTheDocument();
  });

  it('tells the status and each severity by a shape as well as by colour and word', async () => {
    fetch.mockReturnValue(ok(offTrackRulesInsight));
    render(<SprintHealthPanel {...props()} />);
    // The icon mock names each svg after its icon.
    const icon = (el: HTMLElement) => el.querySelector('svg')?.dataset.testid;
    expect(icon(await screen.findByTestId(testIds.panel.status))).toBe('times-circle');
    const risks = screen.getByTestId(testIds.panel.section('risks'));
    const cards = within(risks).getAllByRole('listitem');
    expect(cards.map((c) => [c.dataset.severity, icon(c)])).toEqual([
      ['high', 'exclamation-circle'],
      ['medium', 'exclamation-triangle'],
    ]);
  });

  it('says between two sprints which sprint it shows and why', async () => {
    fetch.mockReturnValue(ok(closedBetweenSprintsInsight));
    render(<SprintHealthPanel {...props()} />);
    const note = await screen.findByTestId(testIds.panel.selection);
    expect(note).toHaveAttribute('role', 'note');
    expect(note).toHaveTextContent(
      "Between sprints, the last one: No sprint is running on the team's board; PAY Sprint 42 closed 2026-03-20"
    );
    expect(screen.getByTestId(testIds.panel.sprint)).toHaveTextContent('ended');
  });

  it('adds no note for the active sprint', async () => {
    fetch.mockReturnValue(ok({ ...atRiskInsight, selection: { kind: 'active', reason: 'running' } }));
    render(<SprintHealthPanel {...props()} />);
    await screen.findByTestId(testIds.panel.status);
    expect(screen.queryByTestId(testIds.panel.selection)).toBeNull();
  });

  it('shows an on-track sprint with empty sections', async () => {
    fetch.mockReturnValue(ok(onTrackInsight));
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.status)).toHaveTextContent('On track');
    expect(screen.getByTestId(testIds.panel.section('risks'))).toHaveTextContent('None');
    expect(screen.getByTestId(testIds.panel.source)).toHaveTextContent('Written by gpt-4.1-mini');
  });

  it('asks for a team when neither variable has a value, without calling the API', () => {
    render(<SprintHealthPanel {...props({}, {})} />);
    expect(screen.getByTestId(testIds.panel.empty)).toHaveTextContent('No team selected');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('says why there is no sprint to show on a 404', async () => {
    fetch.mockReturnValue(failed(404, noBoardProblem));
    render(<SprintHealthPanel {...props()} />);
    const empty = await screen.findByTestId(testIds.panel.empty);
    expect(empty).toHaveTextContent('No sprint to show');
    expect(empty).toHaveTextContent('Team "payments" has no Jira board synced yet');
  });

  it('names a team that does not exist as such, not as one without a sprint', async () => {
    fetch.mockReturnValue(
      failed(404, {
        ...noBoardProblem,
        type: 'urn:engmetrics:problem:team_not_found',
        code: 'team_not_found',
        detail: 'There is no team "payments"; teams: growth, mobile',
      })
    );
    render(<SprintHealthPanel {...props()} />);
    const empty = await screen.findByTestId(testIds.panel.empty);
    expect(empty).toHaveTextContent('No team payments');
    expect(empty).toHaveTextContent('teams: growth, mobile');
    expect(empty).not.toHaveTextContent('No sprint to show');
  });

  it('says the token in the app configuration is wrong on a 401', async () => {
    fetch.mockReturnValue(failed(401, unauthorizedProblem));
    render(<SprintHealthPanel {...props()} />);
    const error = await screen.findByTestId(testIds.panel.error);
    expect(error).toHaveTextContent('The API token in the app configuration is wrong');
    expect(within(error).getByRole('link', { name: /app configuration/i })).toHaveAttribute(
      'href',
      '/plugins/engmetrics-sprinthealth-app'
    );
  });

  it.each([
    ['Grafana answers 502 (the proxy could not connect)', failed(502)],
    ['the browser lost Grafana', throwError(() => new TypeError('Failed to fetch'))],
  ])('says the API cannot be reached when %s', async (_what, answer) => {
    fetch.mockReturnValue(answer);
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.error)).toHaveTextContent('Cannot reach the engmetrics API');
  });

  it("shows the API's problem detail on a 5xx", async () => {
    fetch.mockReturnValue(failed(503, unavailableProblem));
    render(<SprintHealthPanel {...props()} />);
    const error = await screen.findByTestId(testIds.panel.error);
    expect(error).toHaveTextContent('Service Unavailable (503)');
    expect(error).toHaveTextContent('The database is not reachable');
    expect(error).toHaveTextContent('Request id: 7c3e9a1b-5d2f-4b6a-8e0c-1f4d7a2b9c3e');
  });

  it('says so when the URL answers with something that is not an insight', async () => {
    fetch.mockReturnValue(ok('<!doctype html><title>Grafana</title>'));
    render(<SprintHealthPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.error)).toHaveTextContent('Unexpected answer from the API');
  });

  it('tries again from an error state', async () => {
    fetch.mockReturnValueOnce(failed(502)).mockReturnValueOnce(ok(atRiskInsight));
    render(<SprintHealthPanel {...props()} />);
    await userEvent.click(await screen.findByRole('button', { name: /try again/i }));
    expect(await screen.findByTestId(testIds.panel.status)).toHaveTextContent('At risk');
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(lastRequest().params).toEqual({ team: 'payments' });
  });
});

describe('announcements', () => {
  it('says politely that the insight is loading, then what it says', async () => {
    const answer = new Subject<{ status: number; ok: boolean; data: unknown }>();
    fetch.mockReturnValue(answer);
    render(<SprintHealthPanel {...props()} />);
    const region = screen.getByRole('status');
    expect(region).toHaveAttribute('aria-live', 'polite');
    expect(region).toHaveTextContent('Loading sprint health…');
    act(() => answer.next({ status: 200, ok: true, data: atRiskInsight }));
    expect(region).toHaveTextContent('Sprint health of PAY Sprint 42: At risk, score 58 out of 100.');
    // The same element throughout: a region that comes and goes is not reliably heard.
    expect(screen.getByTestId(testIds.panel.announcer)).toBe(region);
  });

  it('says a refresh someone asked for is under way, and then the new insight', async () => {
    const second = new Subject<{ status: number; ok: boolean; data: unknown }>();
    fetch.mockReturnValueOnce(ok(atRiskInsight)).mockReturnValueOnce(second);
    render(<SprintHealthPanel {...props()} />);
    await userEvent.click(await screen.findByTestId(testIds.panel.refresh));
    const region = screen.getByTestId(testIds.panel.announcer);
    expect(region).toHaveTextContent('Writing the insight again from the latest data…');
    act(() => second.next({ status: 200, ok: true, data: onTrackInsight }));
    expect(region).toHaveTextContent('Sprint health of Mobile Sprint 18: On track, score 91 out of 100.');
  });

  it('keeps quiet about a timed reload that brings the same insight', async () => {
    jest.useFakeTimers({ now: NOW });
    try {
      const reload = new Subject<{ status: number; ok: boolean; data: unknown }>();
      fetch.mockReturnValueOnce(ok(atRiskInsight)).mockReturnValueOnce(reload);
      render(<SprintHealthPanel {...props({ reloadMinutes: 5 })} />);
      await act(async () => {});
      const region = screen.getByTestId(testIds.panel.announcer);
      const said = region.textContent;
      await act(async () => {
        jest.advanceTimersByTime(5 * 60_000);
      });
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(region.textContent).toBe(said);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('an item that is both a risk and a bottleneck', () => {
  const shared = atRiskInsight.bottlenecks[0];
  const both = {
    ...atRiskInsight,
    risks: [...atRiskInsight.risks, { ...shared, title: ` ${shared.title.toUpperCase()} ` }],
  };

  it('is told in full once, under Risks, and the Bottlenecks listing says it is also a risk', async () => {
    fetch.mockReturnValue(ok(both));
    render(<SprintHealthPanel {...props()} />);
    const risks = await screen.findByTestId(testIds.panel.section('risks'));
    const bottlenecks = screen.getByTestId(testIds.panel.section('bottlenecks'));
    expect(within(risks).getByText(/The median time to first review doubled/)).toBeInTheDocument();
    expect(within(risks).getByText('Also a bottleneck')).toBeInTheDocument();
    expect(within(bottlenecks).getByText(shared.title)).toBeInTheDocument();
    expect(within(bottlenecks).getByText('Also a risk: its details and links are under Risks')).toBeInTheDocument();
    expect(within(bottlenecks).queryByText(/The median time to first review doubled/)).toBeNull();
    expect(within(bottlenecks).queryByRole('link', { name: 'Pull request acme/payments-api#1184' })).toBeNull();
    // The other bottleneck is its own, and told in full.
    expect(within(bottlenecks).getByText(/Waiting on the ledger team/)).toBeInTheDocument();
  });

  it('is told in full under Bottlenecks when Risks does not show it', async () => {
    fetch.mockReturnValue(ok(both));
    render(<SprintHealthPanel {...props({ showRisks: false })} />);
    const bottlenecks = await screen.findByTestId(testIds.panel.section('bottlenecks'));
    expect(within(bottlenecks).getByText('Also a risk')).toBeInTheDocument();
    expect(within(bottlenecks).getByText(/The median time to first review doubled/)).toBeInTheDocument();
  });
});

describe('refresh', () => {
  it('asks the API to write the insight again (refresh=true), once', async () => {
    fetch.mockReturnValueOnce(ok(atRiskInsight)).mockReturnValueOnce(ok(onTrackInsight));
    const { rerender } = render(<SprintHealthPanel {...props()} />);
    await userEvent.click(await screen.findByTestId(testIds.panel.refresh));
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(lastRequest().params).toEqual({ team: 'payments', refresh: 'true' });
    expect(await screen.findByText('On track')).toBeInTheDocument();

    // The next dashboard refresh reads the cached insight again.
    const later = { from: dateTime(NOW), to: dateTime(NOW + 300_000), raw: { from: 'now-1h', to: 'now' } };
    rerender(<SprintHealthPanel {...props({}, undefined, undefined, later)} />);
    await act(async () => {});
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(lastRequest().params).toEqual({ team: 'payments' });
  });
});

describe('options', () => {
  it('asks again every "reload every" minutes, for screens nobody refreshes', async () => {
    jest.useFakeTimers({ now: NOW });
    try {
      render(<SprintHealthPanel {...props({ reloadMinutes: 5 })} />);
      await act(async () => {});
      expect(fetch).toHaveBeenCalledTimes(1);
      await act(async () => {
        jest.advanceTimersByTime(5 * 60_000);
      });
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(lastRequest().params).toEqual({ team: 'payments' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('hides the sections switched off', async () => {
    render(<SprintHealthPanel {...props({ showRisks: false, showRecommendations: false })} />);
    await screen.findByTestId(testIds.panel.status);
    expect(screen.queryByTestId(testIds.panel.section('risks'))).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.panel.section('bottlenecks'))).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.panel.section('recommendations'))).not.toBeInTheDocument();
  });

  it('lists at most the chosen number of items per section, most severe first', async () => {
    render(<SprintHealthPanel {...props({ maxItems: 1 })} />);
    const recommendations = await screen.findByTestId(testIds.panel.section('recommendations'));
    expect(within(recommendations).getAllByRole('listitem')).toHaveLength(1);
    expect(within(recommendations).getByText('Move the unestimated bugs to the next sprint')).toBeInTheDocument();
    expect(recommendations).toHaveTextContent('+2 more');
  });

  it('keeps cards to their titles in compact mode, each opening for its detail', async () => {
    render(<SprintHealthPanel {...props({ compact: 'on' })} />);
    await screen.findByTestId(testIds.panel.status);
    expect(screen.getByTestId(testIds.panel.root)).toHaveAttribute('data-compact', 'true');
    const title = screen.getByRole('button', { name: 'Scope grew by 31% after the sprint started' });
    expect(title).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(/Five issues \(13 points\) were added/)).not.toBeInTheDocument();
    // Links stay: they are how a reader checks an item.
    expect(screen.getByRole('link', { name: 'Issue PAY-311' })).toBeInTheDocument();

    await userEvent.click(title);
    expect(title).toHaveAttribute('aria-expanded', 'true');
    const detail = screen.getByText(/Five issues \(13 points\) were added/);
    expect(title).toHaveAttribute('aria-controls', detail.id);
    await userEvent.click(title);
    expect(screen.queryByText(/Five issues \(13 points\) were added/)).not.toBeInTheDocument();
  });

  it('never cuts the summary, the sprint name or an item title short', async () => {
    render(<SprintHealthPanel {...props({}, undefined, { width: 300, height: 200 })} />);
    await screen.findByTestId(testIds.panel.status);
    for (const el of [
      screen.getByTestId(testIds.panel.summary),
      screen.getByText('PAY Sprint 42'),
      screen.getByText('Scope grew by 31% after the sprint started'),
    ]) {
      const style = getComputedStyle(el);
      expect(style.textOverflow).not.toBe('ellipsis');
      expect(style.webkitLineClamp || '').toBe('');
      expect(style.whiteSpace).not.toBe('nowrap');
    }
    expect(screen.getByTestId(testIds.panel.summary)).toHaveTextContent(atRiskInsight.summary);
  });

  it('decides the layout by the width and the height the panel has', () => {
    expect(layoutFor('auto', 960, 540)).toEqual({ compact: false, narrow: false });
    // A phone held upright: one column, but room for the details and the dates.
    expect(layoutFor('auto', 360, 640)).toEqual({ compact: false, narrow: true });
    // A dashboard row on a phone, or any panel a row high: titles only.
    expect(layoutFor('auto', 360, 300)).toEqual({ compact: true, narrow: true });
    expect(layoutFor('auto', 1200, 250)).toEqual({ compact: true, narrow: true });
    expect(layoutFor('off', 300, 200)).toEqual({ compact: false, narrow: true });
    expect(layoutFor('on', 960, 540)).toEqual({ compact: true, narrow: true });
  });

  it('shows the details and the sprint dates on a narrow panel that is tall enough', async () => {
    render(<SprintHealthPanel {...props({}, undefined, { width: 360, height: 640 })} />);
    await screen.findByTestId(testIds.panel.status);
    expect(screen.getByTestId(testIds.panel.root)).toHaveAttribute('data-compact', 'false');
    expect(screen.getByText(/Five issues \(13 points\) were added/)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.panel.sprint)).toHaveTextContent('payments · 2 Mar – 16 Mar · 4.3 days left');
  });

  it('switches to compact by itself on a small panel, and not when told off', async () => {
    const { unmount } = render(<SprintHealthPanel {...props({}, undefined, { width: 300, height: 200 })} />);
    await screen.findByTestId(testIds.panel.status);
    expect(screen.getByTestId(testIds.panel.root)).toHaveAttribute('data-compact', 'true');
    unmount();

    render(<SprintHealthPanel {...props({ compact: 'off' }, undefined, { width: 300, height: 200 })} />);
    await screen.findByTestId(testIds.panel.status);
    expect(screen.getByTestId(testIds.panel.root)).toHaveAttribute('data-compact', 'false');
    expect(screen.getByText(/Five issues \(13 points\) were added/)).toBeInTheDocument();
  });
});
