import React from 'react';
import { render, screen, within } from '@testing-library/react';
import type { SprintForecast } from '../../../insight/types';
import {
  atRiskInsight,
  closedBetweenSprintsInsight,
  lowHistoryForecastInsight,
  olderApiInsight,
  refusedForecastInsight,
} from '../../../insight/fixtures';
import { sprintHealthTestIds } from '../testIds';
import { Forecast } from './Forecast';

function renderForecast(forecast: SprintForecast | null | undefined, compact = false) {
  // The compact layout is always narrow; the wide one is neither.
  return render(
    <Forecast
      forecast={forecast}
      endAt={atRiskInsight.sprint.endAt}
      madeAt={atRiskInsight.generatedAt}
      timeZone="utc"
      compact={compact}
      narrow={compact}
    />
  );
}

describe('Forecast', () => {
  it('heads with the chance of finishing by the end, and lists each dated percentile in words', () => {
    renderForecast(atRiskInsight.forecast);
    const forecast = screen.getByRole('group', { name: 'Forecast' });
    expect(forecast).toBe(screen.getByTestId(sprintHealthTestIds.forecast));
    expect(within(forecast).getByText('38.4% likely to finish by Mon 16 Mar')).toBeInTheDocument();
    expect(forecast).toHaveTextContent('11 issues left · 3 working days to go · 50% to 95% spans 5 working days');
    const dates = within(forecast).getByRole('list', { name: 'Likely done by' });
    expect(
      within(dates)
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    ).toEqual([
      '50% by Tue 17 Mar',
      '70% by Wed 18 Mar',
      '85% by Fri 20 Mar',
      '95% by Tue 24 Mar',
      'sprint ends Mon 16 Mar',
    ]);
    expect(screen.queryByTestId(sprintHealthTestIds.forecastWarning)).toBeNull();
  });

  it('draws the dates on a bar that screen readers skip, the list saying the same', () => {
    renderForecast(atRiskInsight.forecast);
    const fan = screen.getByTestId(sprintHealthTestIds.fan);
    expect(fan).toHaveAttribute('aria-hidden', 'true');
    expect(fan.textContent).toBe('');
  });

  it('keeps to the headline, bar and dates in the narrow and compact layouts', () => {
    renderForecast(atRiskInsight.forecast, true);
    expect(screen.getByText('38.4% likely to finish by Mon 16 Mar')).toBeInTheDocument();
    expect(screen.getAllByRole('listitem')).toHaveLength(5);
    expect(screen.queryByText(/issues left/)).toBeNull();
  });

  it('warns, in words under it, that a forecast rests on little history', () => {
    renderForecast(lowHistoryForecastInsight.forecast);
    const forecast = screen.getByRole('group', { name: 'Forecast' });
    expect(within(forecast).getByText('74.5% likely to finish by Mon 16 Mar')).toBeInTheDocument();
    expect(within(forecast).getAllByRole('listitem')).toHaveLength(5);
    expect(screen.getByTestId(sprintHealthTestIds.forecastWarning)).toHaveTextContent(
      'Only 19 working days of history (fewer than 30): the answer may move a lot as days are added'
    );
  });

  it('says only why there is no forecast when it is refused', () => {
    renderForecast(refusedForecastInsight.forecast);
    const line = screen.getByTestId(sprintHealthTestIds.forecast);
    expect(line).toHaveTextContent(/^No forecast: only 6 working days of history; a forecast needs at least 10$/);
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.queryByTestId(sprintHealthTestIds.fan)).toBeNull();
    expect(screen.queryByText(/likely to finish/)).toBeNull();
  });

  it('says in words that a date is not within a year', () => {
    const slow: SprintForecast = {
      ...atRiskInsight.forecast!,
      finishProbabilityPct: 0,
      doneBy: [
        { pct: 50, date: '2026-09-30' },
        { pct: 70, date: '2027-01-12' },
        { pct: 85, date: null },
        { pct: 95, date: null },
      ],
      spreadWorkingDays: null,
    };
    renderForecast(slow);
    expect(screen.getByText('0% likely to finish by Mon 16 Mar')).toBeInTheDocument();
    const items = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual([
      '50% by Wed 30 Sep',
      '70% by Tue 12 Jan',
      '85% not within a year',
      '95% not within a year',
      'sprint ends Mon 16 Mar',
    ]);
  });

  it('says nothing is left when every issue is done, with no dates to draw', () => {
    renderForecast({
      ...atRiskInsight.forecast!,
      remainingIssues: 0,
      finishProbabilityPct: 100,
      doneBy: atRiskInsight.forecast!.doneBy.map((d) => ({ ...d, date: null })),
      spreadWorkingDays: 0,
    });
    expect(screen.getByRole('group', { name: 'Forecast' })).toHaveTextContent(
      /^Nothing left to finish: every issue in the sprint is done$/
    );
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.queryByTestId(sprintHealthTestIds.fan)).toBeNull();
  });

  it.each([
    ['a closed sprint (null)', closedBetweenSprintsInsight.forecast],
    ['an API older than the forecast (absent)', olderApiInsight.forecast],
  ])('shows nothing for %s', (_what, forecast) => {
    const { container } = renderForecast(forecast);
    expect(container).toBeEmptyDOMElement();
  });
});
