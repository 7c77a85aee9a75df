import React, { useEffect, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppRootProps, GrafanaTheme2 } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Icon, LinkButton, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import { API_PROXY_BASE } from '../../constants';
import type { AppJsonData } from '../AppConfig/AppConfig';
import { testIds } from '../testIds';

/** The provisioned dashboards, by their fixed uids (provisioning/dashboards). */
export const DASHBOARDS = [
  { uid: 'engmetrics-dora', title: 'DORA', about: 'deployment frequency, lead time, change fail rate, recovery' },
  { uid: 'engmetrics-flow', title: 'Delivery flow', about: 'pull request cycle time, review load, Jira flow' },
  { uid: 'engmetrics-sprint-health', title: 'Sprint health', about: 'the Sprint Health panel, burndown, scope' },
  { uid: 'engmetrics-ingestion', title: 'Ingestion health', about: 'how fresh each source is, what a sync skipped' },
] as const;

type Check =
  | { kind: 'checking' }
  | { kind: 'ok' }
  | { kind: 'not-configured' }
  | { kind: 'failed'; status?: number; message: string };

/**
 * Whether the API answers through Grafana's proxy with the token: a list that needs it
 * (`/metrics/series`), so a wrong token shows as one.
 */
async function checkApi(): Promise<Check> {
  try {
    await lastValueFrom(
      getBackendSrv().fetch({ url: `${API_PROXY_BASE}/metrics/series`, method: 'GET', showErrorAlert: false })
    );
    return { kind: 'ok' };
  } catch (err) {
    const e = err as { status?: number; data?: { detail?: string; message?: string } };
    return { kind: 'failed', status: e.status, message: e.data?.detail ?? e.data?.message ?? '' };
  }
}

/** The app's page: what it is, whether the API answers, and where its dashboards and panel are. */
export const AppHome = ({ meta }: AppRootProps<AppJsonData>) => {
  const styles = useStyles2(getStyles);
  const apiUrl = meta.jsonData?.apiUrl;
  const [check, setCheck] = useState<Check>(apiUrl ? { kind: 'checking' } : { kind: 'not-configured' });

  useEffect(() => {
    let live = true;
    if (apiUrl) {
      checkApi().then((c) => live && setCheck(c));
    }
    return () => {
      live = false;
    };
  }, [apiUrl]);

  return (
    <div className={styles.page} data-testid={testIds.appHome.root}>
      <Text element="p">
        engmetrics computes DORA, delivery-flow and sprint metrics from your GitHub organisation and Jira site in
        PostgreSQL. This app holds where Grafana reaches the engmetrics API and its token, and ships the Sprint Health
        panel, which shows what is going wrong in a team&apos;s sprint and why.
      </Text>

      <section aria-labelledby="engmetrics-api" data-testid={testIds.appHome.api}>
        <h3 id="engmetrics-api">The API</h3>
        {check.kind === 'not-configured' && (
          <Alert severity="warning" title="Not configured">
            Set the API URL and token on the app&apos;s{' '}
            <TextLink href={`/plugins/${meta.id}`}>configuration page</TextLink> (or in provisioning/plugins/apps.yaml).
          </Alert>
        )}
        {check.kind === 'checking' && <Text color="secondary">Asking {apiUrl}…</Text>}
        {check.kind === 'ok' && (
          <Stack direction="row" gap={1} alignItems="center">
            <Icon name="check-circle" aria-hidden className={styles.ok} />
            <Text>Answers at {apiUrl}, with the token Grafana holds.</Text>
          </Stack>
        )}
        {check.kind === 'failed' && (
          <Alert severity="error" title={failureTitle(check, apiUrl!)}>
            {check.message || 'Check the API URL and token on the configuration page.'}
          </Alert>
        )}
      </section>

      <section aria-labelledby="engmetrics-dashboards">
        <h3 id="engmetrics-dashboards">Dashboards</h3>
        <ul className={styles.list} data-testid={testIds.appHome.dashboards}>
          {DASHBOARDS.map((d) => (
            <li key={d.uid}>
              <TextLink href={`/d/${d.uid}`}>{d.title}</TextLink> <Text color="secondary">— {d.about}</Text>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="engmetrics-panel">
        <h3 id="engmetrics-panel">The Sprint Health panel</h3>
        <Text element="p">
          It is on the Sprint health dashboard. To add it to another dashboard, choose Add → Visualization and pick
          Sprint Health in the visualization list; it reads the dashboard&apos;s <code>team</code> and{' '}
          <code>sprint</code> variables.
        </Text>
        <LinkButton href="/d/engmetrics-sprint-health" variant="secondary" icon="apps">
          Open Sprint health
        </LinkButton>
      </section>
    </div>
  );
};

function failureTitle(check: Extract<Check, { kind: 'failed' }>, apiUrl: string): string {
  if (check.status === 401) {
    return 'The API refuses the token in the app configuration';
  }
  if (check.status === 502 || check.status === 504 || check.status === undefined) {
    return `Grafana cannot reach the API at ${apiUrl}`;
  }
  return `The API at ${apiUrl} answered ${check.status}`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ maxWidth: theme.spacing(110), display: 'flex', flexDirection: 'column', gap: theme.spacing(3) }),
  list: css({ margin: 0, paddingLeft: theme.spacing(2.5), lineHeight: theme.typography.body.lineHeight }),
  ok: css({ color: theme.colors.success.text }),
});

export default AppHome;
