import React from 'react';
import { of, throwError } from 'rxjs';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PluginType } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import AppConfig, { type AppConfigProps } from './AppConfig';
import { testIds } from '../testIds';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

const fetch = jest.fn();

function renderConfig(meta: Partial<AppConfigProps['plugin']['meta']> = {}) {
  const props = {
    plugin: {
      meta: {
        id: 'engmetrics-sprinthealth-app',
        name: 'Engmetrics Sprint Health',
        type: PluginType.app,
        enabled: true,
        pinned: true,
        jsonData: {},
        ...meta,
      },
    },
    query: {},
  } as unknown as AppConfigProps;
  return render(<AppConfig {...props} />);
}

const urlInput = () => screen.getByTestId(testIds.appConfig.apiUrl);
const tokenInput = () => screen.getByTestId(testIds.appConfig.apiToken);
const saveButton = () => screen.getByRole('button', { name: /save/i });

beforeEach(() => {
  fetch.mockReset().mockReturnValue(of({ status: 200, data: { message: 'Plugin settings updated' } }));
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as unknown as ReturnType<typeof getBackendSrv>);
});

describe('app configuration page', () => {
  it('saves the API URL as jsonData and the token as secureJsonData through the plugin settings API', async () => {
    renderConfig();
    expect(saveButton()).toBeDisabled();

    await userEvent.type(urlInput(), 'http://ingester:8080/');
    await userEvent.type(tokenInput(), 's3cret-token-for-tests');
    await userEvent.click(saveButton());

    await waitFor(() => expect(screen.getByTestId(testIds.appConfig.saved)).toBeInTheDocument());
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0][0]).toMatchObject({
      url: '/api/plugins/engmetrics-sprinthealth-app/settings',
      method: 'POST',
      data: {
        enabled: true,
        pinned: true,
        jsonData: { apiUrl: 'http://ingester:8080' },
        secureJsonData: { apiToken: 's3cret-token-for-tests' },
      },
    });
    // The typed token is gone from the page once Grafana holds it.
    expect(screen.queryByDisplayValue('s3cret-token-for-tests')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: /reset/i })).toBeInTheDocument();
  });

  it('shows a stored token as configured and leaves it alone when only the URL changes', async () => {
    renderConfig({ jsonData: { apiUrl: 'http://old:8080' }, secureJsonFields: { apiToken: true } });
    expect(urlInput()).toHaveValue('http://old:8080');
    expect(tokenInput()).toBeDisabled();
    expect(tokenInput()).toHaveValue('configured');

    await userEvent.clear(urlInput());
    await userEvent.type(urlInput(), 'http://ingester:8080');
    await userEvent.click(saveButton());

    await waitFor(() => expect(fetch).toHaveBeenCalled());
    const sent = fetch.mock.calls[0][0].data;
    expect(sent.jsonData).toEqual({ apiUrl: 'http://ingester:8080' });
    expect(sent).not.toHaveProperty('secureJsonData');
  });

  it('asks for a new token after reset', async () => {
    renderConfig({ jsonData: { apiUrl: 'http://ingester:8080' }, secureJsonFields: { apiToken: true } });
    expect(saveButton()).toBeEnabled();
    await userEvent.click(screen.getByRole('button', { name: /reset/i }));
    expect(tokenInput()).toBeEnabled();
    expect(saveButton()).toBeDisabled();
  });

  it('refuses a URL that is not http(s)', async () => {
    renderConfig({ secureJsonFields: { apiToken: true } });
    await userEvent.type(urlInput(), 'ingester:8080');
    expect(screen.getByText('Enter an http:// or https:// URL')).toBeInTheDocument();
    expect(saveButton()).toBeDisabled();
  });

  it('says so when Grafana does not save the settings', async () => {
    fetch.mockReturnValue(throwError(() => ({ status: 403, data: { message: 'Permission denied' } })));
    renderConfig({ jsonData: { apiUrl: 'http://ingester:8080' }, secureJsonFields: { apiToken: true } });
    await userEvent.click(saveButton());
    expect(await screen.findByTestId(testIds.appConfig.error)).toHaveTextContent('Permission denied');
  });
});
