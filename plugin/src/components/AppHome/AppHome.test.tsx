import React from 'react';
import { of, throwError } from 'rxjs';
import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom-v5-compat';
import { PluginType, type AppRootProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { AppHome, DASHBOARDS } from './AppHome';
import type { AppJsonData } from '../AppConfig/AppConfig';
import { testIds } from '../testIds';
import pluginJson from '../../plugin.json';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

const fetch = jest.fn();

function renderHome(jsonData: AppJsonData = { apiUrl: 'http://ingester:8080' }) {
  const props = {
    meta: { id: 'engmetrics-sprinthealth-app', name: 'Engmetrics Sprint Health', type: PluginType.app, jsonData },
    query: {},
    path: '/a/engmetrics-sprinthealth-app',
    basename: '/a/engmetrics-sprinthealth-app',
    onNavChanged: jest.fn(),
  } as unknown as AppRootProps<AppJsonData>;
  // Grafana renders app pages inside its router; TextLink needs one.
  return render(
    <MemoryRouter>
      <AppHome {...props} />
    </MemoryRouter>
  );
}

beforeEach(() => {
  fetch.mockReset();
  (getBackendSrv as jest.Mock).mockReturnValue({ fetch });
});

describe('the app page', () => {
  it('is where the menu entry leads: a page included with defaultNav and addToNav', () => {
    const page = pluginJson.includes.find((i) => i.type === 'page' && 'defaultNav' in i);
    expect(page).toMatchObject({ path: '/a/%PLUGIN_ID%', role: 'Viewer', addToNav: true, defaultNav: true });
  });

  it('says the API answers, with the URL and never the token, asking through the proxy', async () => {
    fetch.mockReturnValue(of({ status: 200, data: { series: [] } }));
    renderHome();
    const api = screen.getByTestId(testIds.appHome.api);
    expect(await within(api).findByText(/Answers at http:\/\/ingester:8080/)).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({ url: '/api/plugin-proxy/engmetrics-sprinthealth-app/api/metrics/series' })
    );
    expect(JSON.stringify(fetch.mock.calls)).not.toMatch(/token/i);
  });

  it.each([
    [401, 'The API refuses the token in the app configuration'],
    [502, 'Grafana cannot reach the API at http://ingester:8080'],
    [500, 'The API at http://ingester:8080 answered 500'],
  ])('says what is wrong when the API answers %i', async (status, title) => {
    fetch.mockReturnValue(throwError(() => ({ status, data: { detail: 'detail from the API' } })));
    renderHome();
    expect(await screen.findByText(title)).toBeInTheDocument();
    expect(screen.getByText('detail from the API')).toBeInTheDocument();
  });

  it('asks for the settings when there is no API URL, without calling anything', () => {
    renderHome({});
    expect(screen.getByText('Not configured')).toBeInTheDocument();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('links the four dashboards by their provisioned uids, and says where the panel is', async () => {
    fetch.mockReturnValue(of({ status: 200, data: {} }));
    renderHome();
    // The API check settles first, so no state changes after the test.
    expect(await within(screen.getByTestId(testIds.appHome.api)).findByText(/Answers at/)).toBeInTheDocument();
    const links = within(screen.getByTestId(testIds.appHome.dashboards)).getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(DASHBOARDS.map((d) => `/d/${d.uid}`));
    expect(screen.getByText(/pick\s+Sprint Health in the visualization list/)).toBeInTheDocument();
  });
});
