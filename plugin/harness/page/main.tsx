/**
 * The harness page: loads the built panel module (dist/panels/sprint-health/module.js, an AMD module
 * whose React and @grafana/* imports are left for Grafana to provide) and provides them the way
 * Grafana does, with Grafana's theme, panel chrome and a backendSrv that sends requests to the
 * harness server's copy of the plugin proxy.
 */
import * as React from 'react';
import * as jsxRuntime from 'react/jsx-runtime';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import * as emotionCss from '@emotion/css';
import * as rxjs from 'rxjs';

const MODULE_URL = '/plugin/panels/sprint-health/module.js';

// What Grafana's SystemJS loader hands a plugin for the externals in .config/bundler/externals.ts.
const provided: Record<string, unknown> = {
  react: React,
  'react/jsx-runtime': jsxRuntime,
  'react-dom': ReactDOM,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@emotion/css': emotionCss,
  rxjs,
};

type Factory = (...deps: unknown[]) => { plugin: grafanaData.PanelPlugin };

function loadPanelModule(): Promise<grafanaData.PanelPlugin> {
  return new Promise((resolve, reject) => {
    const define = (deps: string[], factory: Factory) => {
      try {
        const args = deps.map((dep) => {
          if (dep === 'module') {
            return { uri: MODULE_URL };
          }
          if (!(dep in provided)) {
            throw new Error(`The panel module needs "${dep}", which the harness does not provide`);
          }
          return provided[dep];
        });
        resolve(factory(...args).plugin);
      } catch (err) {
        reject(err);
      }
    };
    define.amd = {};
    Object.assign(window, { define });
    const script = document.createElement('script');
    script.src = MODULE_URL;
    script.onerror = () => reject(new Error(`Could not load ${MODULE_URL}`));
    document.head.appendChild(script);
  });
}

/** Grafana's backendSrv.fetch as far as the panel uses it: same-origin fetch, FetchError on non-2xx. */
const backendSrv = {
  fetch<T>(options: grafanaRuntime.BackendSrvRequest) {
    return new rxjs.Observable<grafanaRuntime.FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      const query = new URLSearchParams(options.params ?? {}).toString();
      window
        .fetch(`${options.url}${query ? `?${query}` : ''}`, {
          method: options.method ?? 'GET',
          headers: { accept: 'application/json, text/plain, */*' },
          signal: controller.signal,
        })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // Not JSON: the text itself, as Grafana's backendSrv does.
          }
          if (res.ok) {
            subscriber.next({
              data,
              status: res.status,
              statusText: res.statusText,
              ok: true,
            } as grafanaRuntime.FetchResponse<T>);
            subscriber.complete();
          } else {
            subscriber.error({ status: res.status, statusText: res.statusText, data, config: options });
          }
        })
        .catch((err) => {
          if (!controller.signal.aborted) {
            subscriber.error(err);
          }
        });
      return () => controller.abort();
    });
  },
};

/** Grafana's interpolation for `$name` and `${name}`, with the format callback panels may pass. */
function replaceVariables(vars: Record<string, string>): grafanaData.InterpolateFunction {
  return (text, _scoped, format) =>
    text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole: string, braced?: string, bare?: string) => {
      const value = vars[(braced ?? bare)!];
      if (value === undefined) {
        return whole;
      }
      return typeof format === 'function' ? format(value) : value;
    });
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const mode = params.get('theme') === 'light' ? 'light' : 'dark';
  const width = Number(params.get('width') ?? 960);
  const height = Number(params.get('height') ?? 540);
  const vars: Record<string, string> = { team: params.get('team') ?? '', sprint: params.get('sprint') ?? '' };
  const optionOverrides = JSON.parse(params.get('options') ?? '{}');

  grafanaRuntime.setBackendSrv(backendSrv as unknown as grafanaRuntime.BackendSrv);
  // Grafana registers its option editors at boot; the panel's options builder looks them up by id.
  grafanaData.standardEditorsRegistry.setInit(() =>
    ['text', 'boolean', 'slider', 'radio', 'number', 'select'].map((id) => ({ id, name: id, editor: () => null }))
  );
  const plugin = await loadPanelModule();
  const Panel = plugin.panel!;
  const options = { ...plugin.defaults, ...optionOverrides };
  const theme = grafanaData.createTheme({ colors: { mode } });
  const timeRange = grafanaData.getDefaultTimeRange();

  document.body.dataset.theme = mode;
  // Which React the page runs, so a check on another package set can prove it ran there.
  document.body.dataset.react = React.version;
  createRoot(document.getElementById('root')!).render(
    <grafanaUi.ThemeContext.Provider value={theme}>
      <grafanaUi.GlobalStyles />
      <div style={{ padding: 16, display: 'inline-block' }}>
        <div id="panel" style={{ width, height }}>
          <grafanaUi.PanelChrome width={width} height={height} title="Sprint health">
            {(innerWidth, innerHeight) => (
              <Panel
                id={1}
                data={{ series: [], state: grafanaData.LoadingState.Done, timeRange }}
                timeRange={timeRange}
                timeZone="browser"
                options={options}
                fieldConfig={{ defaults: {}, overrides: [] }}
                transparent={false}
                width={innerWidth}
                height={innerHeight}
                renderCounter={0}
                title="Sprint health"
                eventBus={new grafanaData.EventBusSrv()}
                onOptionsChange={() => {}}
                onFieldConfigChange={() => {}}
                onChangeTimeRange={() => {}}
                replaceVariables={replaceVariables(vars)}
              />
            )}
          </grafanaUi.PanelChrome>
        </div>
      </div>
    </grafanaUi.ThemeContext.Provider>
  );
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  document.body.dataset.failed = String(err?.stack ?? err);
  throw err;
});
