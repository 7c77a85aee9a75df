import React, { type ChangeEvent, type FormEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, Text, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';

export interface AppJsonData {
  apiUrl?: string;
}

export interface AppSecureJsonData {
  apiToken?: string;
}

export type AppConfigProps = PluginConfigPageProps<AppPluginMeta<AppJsonData>>;

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; message: string };

const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const { id, enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [apiUrl, setApiUrl] = useState(jsonData?.apiUrl ?? '');
  const [apiToken, setApiToken] = useState('');
  // Grafana never sends the stored token back, only whether one is stored.
  const [isTokenSet, setIsTokenSet] = useState(Boolean(secureJsonFields?.apiToken));
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });

  const urlError = apiUrl && !isHttpUrl(apiUrl) ? 'Enter an http:// or https:// URL' : undefined;
  const canSave = Boolean(apiUrl) && !urlError && (isTokenSet || Boolean(apiToken)) && save.kind !== 'saving';

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSave) {
      return;
    }
    setSave({ kind: 'saving' });
    const data: Partial<PluginMeta<AppJsonData>> & { secureJsonData?: AppSecureJsonData } = {
      enabled,
      pinned,
      jsonData: { ...jsonData, apiUrl: apiUrl.replace(/\/+$/, '') },
      // Sending secureJsonData replaces the stored token, so it is sent only when a new one was typed.
      ...(apiToken ? { secureJsonData: { apiToken } } : {}),
    };
    try {
      await lastValueFrom(
        getBackendSrv().fetch({ url: `/api/plugins/${id}/settings`, method: 'POST', data, showErrorAlert: false })
      );
      if (apiToken) {
        setIsTokenSet(true);
        setApiToken('');
      }
      setSave({ kind: 'saved' });
    } catch (err) {
      setSave({ kind: 'failed', message: errorMessage(err) });
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.appConfig.form} className={styles.form}>
      <FieldSet label="engmetrics API">
        <Text element="p" color="secondary">
          The Sprint Health panel asks the engmetrics API through Grafana&apos;s plugin proxy. Grafana adds the token on
          the server, so it never reaches viewers&apos; browsers.
        </Text>
        <Text element="p" color="secondary">
          Where provisioning/plugins/apps.yaml sets up the app (docker compose does), Grafana writes its settings again
          at every start: what is saved here lasts until the next restart. Change the file, or its variables, to keep
          it.
        </Text>
        <Field
          label="API URL"
          description="Where Grafana's server reaches the engmetrics API, e.g. http://ingester:8080"
          invalid={Boolean(urlError)}
          error={urlError}
          required
        >
          <Input
            width={60}
            id="config-api-url"
            data-testid={testIds.appConfig.apiUrl}
            value={apiUrl}
            placeholder="http://ingester:8080"
            onChange={(e: ChangeEvent<HTMLInputElement>) => {
              setApiUrl(e.target.value.trim());
              setSave({ kind: 'idle' });
            }}
          />
        </Field>
        <Field label="API token" description="The API_TOKEN the engmetrics API was started with" required>
          <SecretInput
            width={60}
            id="config-api-token"
            data-testid={testIds.appConfig.apiToken}
            value={apiToken}
            isConfigured={isTokenSet}
            placeholder="API token"
            onChange={(e: ChangeEvent<HTMLInputElement>) => {
              setApiToken(e.target.value.trim());
              setSave({ kind: 'idle' });
            }}
            onReset={() => {
              setIsTokenSet(false);
              setApiToken('');
              setSave({ kind: 'idle' });
            }}
          />
        </Field>
        <Stack direction="row" gap={2} alignItems="center">
          <Button type="submit" data-testid={testIds.appConfig.submit} disabled={!canSave}>
            {save.kind === 'saving' ? 'Saving…' : 'Save'}
          </Button>
        </Stack>
        {save.kind === 'saved' && (
          <Alert title="Saved" severity="success" data-testid={testIds.appConfig.saved} className={styles.alert}>
            Sprint Health panels use the new settings on their next refresh.
          </Alert>
        )}
        {save.kind === 'failed' && (
          <Alert
            title="The settings were not saved"
            severity="error"
            data-testid={testIds.appConfig.error}
            className={styles.alert}
          >
            {save.message}
          </Alert>
        )}
      </FieldSet>
    </form>
  );
};

export default AppConfig;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function errorMessage(err: unknown): string {
  const e = err as { status?: number; data?: { message?: string }; message?: string };
  return (
    e?.data?.message ?? e?.message ?? (e?.status ? `Grafana answered ${e.status}` : 'Grafana could not be reached')
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({
    maxWidth: theme.spacing(100),
  }),
  alert: css({
    marginTop: theme.spacing(2),
  }),
});
