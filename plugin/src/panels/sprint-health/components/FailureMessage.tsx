import React from 'react';
import { locationUtil } from '@grafana/data';
import type { InsightFailure } from '../../../insight/api';
import { APP_ID } from '../../../constants';
import { testIds } from '../../../components/testIds';
import { PanelMessage } from './PanelMessage';

/** What went wrong asking for the insight, in words a dashboard viewer can act on. */
export function FailureMessage({
  failure,
  team,
  sprint,
  onRetry,
}: {
  failure: InsightFailure;
  team?: string;
  sprint?: string;
  onRetry: () => void;
}) {
  const retry = { label: 'Try again', onClick: onRetry };
  const configLink = {
    label: 'App configuration',
    href: locationUtil.assureBaseUrl(`/plugins/${APP_ID}`),
  };
  const requestId = (id?: string) => (id ? <div>Request id: {id}</div> : null);
  switch (failure.kind) {
    case 'not_found':
      return (
        <PanelMessage
          icon="calendar-slash"
          tone="neutral"
          title={
            failure.problem.code === 'team_not_found'
              ? `No team ${team ?? ''}`.trim()
              : sprint
                ? 'Sprint not found'
                : 'No sprint to show'
          }
          testId={testIds.panel.empty}
        >
          {failure.problem.detail || (sprint ? `There is no sprint ${sprint}.` : `Team ${team} has no sprint to show.`)}
        </PanelMessage>
      );
    case 'unauthorized':
      return (
        <PanelMessage
          icon="lock"
          tone="error"
          title="The API token in the app configuration is wrong"
          testId={testIds.panel.error}
          action={retry}
          link={configLink}
        >
          The engmetrics API refused the token Grafana sent. An admin can set the right one in the app configuration.
        </PanelMessage>
      );
    case 'forbidden':
      return (
        <PanelMessage
          icon="lock"
          tone="error"
          title="Your Grafana role cannot read Sprint Health"
          testId={testIds.panel.error}
        >
          {failure.message ?? 'Ask an admin for at least the Viewer role in this organisation.'}
        </PanelMessage>
      );
    case 'unreachable':
      return (
        <PanelMessage
          icon="cloud-exclamation"
          tone="error"
          title="Cannot reach the engmetrics API"
          testId={testIds.panel.error}
          action={retry}
          link={failure.status === 504 ? undefined : configLink}
        >
          {failure.status === 504
            ? 'The API did not answer in time.'
            : 'Grafana could not connect to the API. Check that the ingester is running and the API URL in the app configuration.'}
        </PanelMessage>
      );
    case 'bad_request':
      return (
        <PanelMessage
          icon="exclamation-triangle"
          tone="warning"
          title="The API rejected this team or sprint"
          testId={testIds.panel.error}
        >
          {failure.problem.detail}
        </PanelMessage>
      );
    case 'invalid_response':
      return (
        <PanelMessage
          icon="exclamation-triangle"
          tone="error"
          title="Unexpected answer from the API"
          testId={testIds.panel.error}
          action={retry}
          link={configLink}
        >
          The API URL in the app configuration may not point at the engmetrics API.
        </PanelMessage>
      );
    case 'server':
      return (
        <PanelMessage
          icon="exclamation-circle"
          tone="error"
          title={
            failure.problem ? `${failure.problem.title} (${failure.status})` : `The API answered ${failure.status}`
          }
          testId={testIds.panel.error}
          action={retry}
        >
          {failure.problem?.detail ?? failure.message}
          {requestId(failure.problem?.requestId)}
        </PanelMessage>
      );
  }
}
