import React from 'react';
import { cx } from '@emotion/css';
import { type InterpolateFunction, type PanelProps, dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';
import { Icon, IconButton, LoadingBar, LoadingPlaceholder, Tooltip } from '@grafana/ui';
import type { SprintHealthInsight } from '../../../insight/types';
import { testIds } from '../../../components/testIds';
import type { SprintHealthOptions } from '../types';
import { useInsight } from '../useInsight';
import { useNow } from '../useNow';
import { refusedLabel, refusedLines, scoreArithmetic, sourceLabel, sprintDates, sprintProgress } from '../format';
import { sprintHealthTestIds } from '../testIds';
import { useSprintHealthStyles } from '../styles';
import { FailureMessage } from './FailureMessage';
import { InsightSection } from './InsightSection';
import { PanelMessage } from './PanelMessage';
import { StatusBadge } from './StatusBadge';

/** Below this size the panel drops details and shrinks the header (`compact: auto`). */
export const COMPACT_WIDTH = 480;
export const COMPACT_HEIGHT = 320;

type Props = PanelProps<SprintHealthOptions>;

export function SprintHealthPanel({ options, width, height, replaceVariables, timeRange, timeZone }: Props) {
  const styles = useSprintHealthStyles();
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
  const styles = useSprintHealthStyles();
  // Re-rendered each minute, so "generated 5 minutes ago" stays true on a screen nobody touches.
  useNow(60_000);
  // The header counts days at the instant the insight was written, as its words do.
  const writtenAt = Date.parse(insight.generatedAt);
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
          ? sprintProgress(insight.sprint, writtenAt)
          : `${insight.sprint.team} · ${sprintDates(insight.sprint, writtenAt, timeZone)}`}
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

      {/* Why this status and score, in the words the API and Slack use. */}
      {insight.scoreBasis && (
        <Tooltip content={scoreArithmetic(insight.score, insight.scoreBasis)}>
          <p
            className={cx(styles.basis, styles.basisTone[insight.status])}
            data-testid={sprintHealthTestIds.basis}
            tabIndex={0}
            aria-label={`${insight.scoreBasis.sentence}. ${scoreArithmetic(insight.score, insight.scoreBasis)}`}
          >
            {insight.scoreBasis.sentence}
          </p>
        </Tooltip>
      )}

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
        {insight.refused && insight.refused.length > 0 && (
          <>
            <span aria-hidden>·</span>
            <Tooltip
              content={
                <ul className={styles.refusedList}>
                  {refusedLines(insight.refused).map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              }
            >
              <span
                className={styles.why}
                tabIndex={0}
                data-testid={sprintHealthTestIds.refused}
                aria-label={`${refusedLabel(insight.refused)}: ${refusedLines(insight.refused).join('. ')}`}
              >
                {refusedLabel(insight.refused)}
              </span>
            </Tooltip>
          </>
        )}
        <span aria-hidden>·</span>
        <span title={dateTimeFormat(insight.generatedAt, { timeZone })}>
          generated {dateTimeFormatTimeAgo(insight.generatedAt)}
        </span>
      </footer>
    </div>
  );
}
