import React, { useEffect, useState } from 'react';
import { css, cx } from '@emotion/css';
import {
  type GrafanaTheme2,
  type InterpolateFunction,
  type PanelProps,
  dateTimeFormat,
  dateTimeFormatTimeAgo,
  locationUtil,
} from '@grafana/data';
import { Icon, IconButton, LoadingBar, LoadingPlaceholder, Tooltip, useStyles2 } from '@grafana/ui';
import type { InsightFailure } from '../../../insight/api';
import type { InsightStatus, SprintHealthInsight } from '../../../insight/types';
import { APP_ID } from '../../../constants';
import { testIds } from '../../../components/testIds';
import type { SprintHealthOptions } from '../types';
import { useInsight } from '../useInsight';
import { sourceLabel, sprintDates, sprintProgress, statusColor, statusIcon, statusLabel } from '../format';
import { InsightSection } from './InsightSection';
import { PanelMessage } from './PanelMessage';

/** Below this size the panel drops details and shrinks the header (`compact: auto`). */
export const COMPACT_WIDTH = 480;
export const COMPACT_HEIGHT = 320;

type Props = PanelProps<SprintHealthOptions>;

export function SprintHealthPanel({ options, width, height, replaceVariables, timeRange, timeZone }: Props) {
  const styles = useStyles2(getStyles);
  const team = readSelection(replaceVariables, options.team);
  const sprint = readSelection(replaceVariables, options.sprint);
  // The dashboard's refresh (manual or on a timer) moves the time range: ask again then.
  const { state, reload, refresh } = useInsight(
    { team, sprint },
    timeRange.to.valueOf(),
    (options.reloadMinutes ?? 0) * 60_000
  );
  const compact =
    options.compact === 'on' || (options.compact === 'auto' && (width < COMPACT_WIDTH || height < COMPACT_HEIGHT));

  let body: React.ReactNode;
  switch (state.kind) {
    case 'unselected':
      body = (
        <PanelMessage icon="users-alt" tone="neutral" title="No team selected" testId={testIds.panel.empty}>
          Pick a team in the dashboard&apos;s <code>team</code> variable, or set one in the panel options.
        </PanelMessage>
      );
      break;
    case 'loading':
      body = (
        <div className={styles.center} data-testid={testIds.panel.loading}>
          <LoadingPlaceholder text="Loading sprint health…" />
        </div>
      );
      break;
    case 'failed':
      body = <FailureMessage failure={state.failure} team={team} sprint={sprint} onRetry={reload} />;
      break;
    case 'data':
      body = (
        <>
          {state.reloading && (
            <div className={styles.loadingBar}>
              <LoadingBar width={width} />
            </div>
          )}
          <InsightView
            insight={state.insight}
            options={options}
            compact={compact}
            timeZone={timeZone}
            refreshing={state.reloading}
            onRefresh={refresh}
          />
        </>
      );
      break;
  }

  return (
    <div
      className={cx(styles.root, compact && styles.rootCompact)}
      data-testid={testIds.panel.root}
      data-compact={compact}
    >
      {body}
    </div>
  );
}

/**
 * The panel's team or sprint: a dashboard variable or a literal. A multi-value variable gives its first
 * value (one panel shows one sprint); a variable the dashboard does not define counts as unset.
 */
function readSelection(replace: InterpolateFunction, expression: string | undefined): string | undefined {
  if (!expression?.trim()) {
    return undefined;
  }
  const value = replace(expression, undefined, (v: string | string[]) => (Array.isArray(v) ? (v[0] ?? '') : v)).trim();
  return value && !value.includes('$') ? value : undefined;
}

interface ViewProps {
  insight: SprintHealthInsight;
  options: SprintHealthOptions;
  compact: boolean;
  timeZone: string;
  refreshing: boolean;
  onRefresh: () => void;
}

function InsightView({ insight, options, compact, timeZone, refreshing, onRefresh }: ViewProps) {
  const styles = useStyles2(getStyles);
  const now = useNow(60_000);
  const sections = [
    options.showRisks && {
      name: 'risks' as const,
      title: 'Risks',
      icon: 'exclamation-triangle' as const,
      items: insight.risks,
    },
    options.showBottlenecks && {
      name: 'bottlenecks' as const,
      title: 'Bottlenecks',
      icon: 'hourglass' as const,
      items: insight.bottlenecks,
    },
    options.showRecommendations && {
      name: 'recommendations' as const,
      title: 'Recommendations',
      icon: 'compass' as const,
      items: insight.recommendations,
    },
  ].filter((s): s is Exclude<typeof s, false> => Boolean(s));

  // A team's insight between two sprints says which sprint it shows and why.
  const betweenSprints =
    insight.selection?.kind === 'last_closed'
      ? 'Between sprints, the last one'
      : insight.selection?.kind === 'upcoming'
        ? 'Between sprints, the next one'
        : undefined;

  // Beside the score when there is room; on its own line in the compact layout.
  const sprintInfo = (
    <div className={cx(styles.sprint, compact && styles.sprintInline)} data-testid={testIds.panel.sprint}>
      <div className={styles.sprintName} title={insight.sprint.name}>
        {insight.sprint.name}
      </div>
      <div className={styles.sprintMeta}>
        {compact
          ? sprintProgress(insight.sprint, now)
          : `${insight.sprint.team} · ${sprintDates(insight.sprint, now, timeZone)}`}
      </div>
    </div>
  );

  return (
    <div className={cx(styles.view, compact && styles.viewCompact)}>
      <header className={styles.header}>
        <StatusBadge status={insight.status} compact={compact} />
        <div
          className={cx(styles.score, compact && styles.scoreCompact, styles.scoreColor[insight.status])}
          data-testid={testIds.panel.score}
          aria-label={`Score ${insight.score} out of 100`}
        >
          {insight.score}
          <span className={styles.scoreMax}>/100</span>
        </div>
        {!compact && sprintInfo}
        {compact && <div className={styles.spacer} />}
        <IconButton
          name="sync"
          size={compact ? 'md' : 'lg'}
          tooltip="Write the insight again from the latest data"
          onClick={onRefresh}
          disabled={refreshing}
          data-testid={testIds.panel.refresh}
          className={styles.refresh}
        />
      </header>

      {compact && sprintInfo}

      {betweenSprints && (
        <p className={styles.selection} role="note" data-testid={testIds.panel.selection}>
          <Icon name="info-circle" size="sm" aria-hidden />
          <span>
            <strong>{betweenSprints}:</strong> {insight.selection!.reason}
          </span>
        </p>
      )}

      <p className={cx(styles.summary, compact && styles.summaryCompact)} data-testid={testIds.panel.summary}>
        {insight.summary}
      </p>

      {sections.length > 0 && (
        <div className={cx(styles.sections, compact && styles.sectionsCompact)}>
          {sections.map((s) => (
            <InsightSection key={s.name} {...s} maxItems={options.maxItems} compact={compact} />
          ))}
        </div>
      )}

      <footer className={styles.footer} data-testid={testIds.panel.source}>
        <Icon name={insight.source === 'llm' ? 'ai-sparkle' : 'list-ul'} size="sm" aria-hidden />
        <span>{sourceLabel(insight)}</span>
        {insight.fallbackReason && (
          <Tooltip content={`The rule-based writer answered: ${insight.fallbackReason}`}>
            <span className={styles.why} tabIndex={0} aria-label={`Why rule-based: ${insight.fallbackReason}`}>
              <Icon name="info-circle" size="sm" aria-hidden />
            </span>
          </Tooltip>
        )}
        <span aria-hidden>·</span>
        <span title={dateTimeFormat(insight.generated_at, { timeZone })}>
          generated {dateTimeFormatTimeAgo(insight.generated_at)}
        </span>
      </footer>
    </div>
  );
}

function StatusBadge({ status, compact }: { status: InsightStatus; compact: boolean }) {
  const styles = useStyles2(getStyles);
  return (
    <div
      className={cx(styles.status, compact && styles.statusCompact, styles.statusTone[status])}
      data-testid={testIds.panel.status}
    >
      <Icon name={statusIcon[status]} size={compact ? 'md' : 'lg'} aria-hidden />
      {statusLabel[status]}
    </div>
  );
}

function FailureMessage({
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
          title={sprint ? 'Sprint not found' : 'No sprint to show'}
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

/** Re-renders every `ms` so "generated 5 minutes ago" stays true on a screen nobody touches. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

const statuses: InsightStatus[] = ['on_track', 'at_risk', 'off_track'];

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    position: 'relative',
    height: '100%',
    width: '100%',
    overflow: 'auto',
  }),
  rootCompact: css({
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  center: css({
    height: '100%',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
  }),
  loadingBar: css({
    position: 'absolute',
    top: 0,
    left: 0,
    right: 0,
  }),
  view: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
    minHeight: '100%',
  }),
  viewCompact: css({
    gap: theme.spacing(1),
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    minWidth: 0,
  }),
  status: css({
    ...theme.typography.h4,
    margin: 0,
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.75, 1.5),
    borderRadius: theme.shape.radius.pill,
    whiteSpace: 'nowrap',
    flexShrink: 0,
    border: '1px solid transparent',
  }),
  statusCompact: css({
    ...theme.typography.h6,
    margin: 0,
    padding: theme.spacing(0.25, 1),
    gap: theme.spacing(0.5),
  }),
  statusTone: Object.fromEntries(
    statuses.map((s) => {
      const c = statusColor(theme, s);
      return [s, css({ color: c.text, background: c.transparent, borderColor: c.border })];
    })
  ) as Record<InsightStatus, string>,
  score: css({
    fontSize: theme.typography.h1.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1,
    whiteSpace: 'nowrap',
    fontVariantNumeric: 'tabular-nums',
    flexShrink: 0,
  }),
  scoreCompact: css({
    fontSize: theme.typography.h3.fontSize,
  }),
  scoreColor: Object.fromEntries(statuses.map((s) => [s, css({ color: statusColor(theme, s).text })])) as Record<
    InsightStatus,
    string
  >,
  scoreMax: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    marginLeft: theme.spacing(0.25),
  }),
  sprint: css({
    minWidth: 0,
    flex: 1,
  }),
  sprintInline: css({
    flex: 'none',
    display: 'flex',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    '& > :first-child': {
      flexShrink: 0,
      maxWidth: '70%',
    },
  }),
  sprintName: css({
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  sprintMeta: css({
    minWidth: 0,
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  spacer: css({
    flex: 1,
  }),
  refresh: css({
    flexShrink: 0,
    alignSelf: 'flex-start',
  }),
  summary: css({
    ...theme.typography.body,
    fontSize: theme.typography.h5.fontSize,
    lineHeight: theme.typography.h5.lineHeight,
    color: theme.colors.text.primary,
    margin: 0,
  }),
  selection: css({
    ...theme.typography.bodySmall,
    display: 'flex',
    gap: theme.spacing(0.5),
    alignItems: 'baseline',
    color: theme.colors.text.secondary,
    margin: 0,
  }),
  summaryCompact: css({
    ...theme.typography.body,
    margin: 0,
    display: '-webkit-box',
    WebkitLineClamp: 2,
    WebkitBoxOrient: 'vertical',
    overflow: 'hidden',
  }),
  sections: css({
    display: 'grid',
    gridTemplateColumns: `repeat(auto-fit, minmax(${theme.spacing(34)}, 1fr))`,
    gap: theme.spacing(2),
    alignItems: 'start',
  }),
  sectionsCompact: css({
    gridTemplateColumns: '1fr',
    gap: theme.spacing(1),
  }),
  why: css({
    display: 'inline-flex',
    cursor: 'help',
  }),
  footer: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(0.75),
    marginTop: 'auto',
  }),
});
