import React, { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { cx } from '@emotion/css';
import { type InterpolateFunction, type PanelProps, dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';
import { Button, Icon, IconButton, LoadingBar, LoadingPlaceholder, Tooltip } from '@grafana/ui';
import type { SprintHealthInsight } from '../../../insight/types';
import { testIds } from '../../../components/testIds';
import type { SprintHealthOptions } from '../types';
import { useInsight } from '../useInsight';
import { useNow } from '../useNow';
import {
  itemKey,
  listedTwice,
  mostSevere,
  refusedLabel,
  refusedLines,
  scoreArithmetic,
  sourceLabel,
  sprintDates,
  statusLabel,
} from '../format';
import { sprintHealthTestIds } from '../testIds';
import { useSprintHealthStyles } from '../styles';
import { FailureMessage } from './FailureMessage';
import { Forecast } from './Forecast';
import { type AlsoListed, InsightSection } from './InsightSection';
import { PanelMessage } from './PanelMessage';
import { StatusBadge } from './StatusBadge';

/** Below this width the sections stack and the sprint goes under the status. */
export const COMPACT_WIDTH = 480;
/** Below this height, or this area, cards show their titles and open for the rest (`compact: auto`). */
export const COMPACT_HEIGHT = 320;

type Props = PanelProps<SprintHealthOptions>;

/**
 * The layout for the space the panel has, both ways: a phone-width panel as tall as a phone has room
 * for the details, a wide one a row high does not.
 */
export function layoutFor(mode: SprintHealthOptions['compact'], width: number, height: number) {
  const compact =
    mode === 'on' || (mode === 'auto' && (height < COMPACT_HEIGHT || width * height < COMPACT_WIDTH * COMPACT_HEIGHT));
  return { compact, narrow: compact || width < COMPACT_WIDTH };
}

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
  const { compact, narrow } = layoutFor(options.compact, width, height);
  const rootRef = useRef<HTMLDivElement>(null);
  const moreBelow = useMoreBelow(rootRef, state.kind);
  // Only a refresh someone asked for is announced as one; the timed reloads stay quiet.
  const [refreshAsked, setRefreshAsked] = useState(false);
  const reloading = state.kind === 'data' && state.reloading;
  useEffect(() => {
    if (!reloading) {
      setRefreshAsked(false);
    }
  }, [reloading]);
  const onRefresh = useCallback(() => {
    setRefreshAsked(true);
    refresh();
  }, [refresh]);

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
            narrow={narrow}
            timeZone={timeZone}
            refreshing={state.reloading}
            onRefresh={onRefresh}
          />
        </>
      );
      break;
  }

  return (
    <div
      ref={rootRef}
      className={cx(styles.root, compact && styles.rootCompact)}
      data-testid={testIds.panel.root}
      data-compact={compact}
    >
      {body}
      {/* Always in the page, so screen readers hear each change of its words, and only those. */}
      <div role="status" aria-live="polite" className={styles.visuallyHidden} data-testid={testIds.panel.announcer}>
        {announcement(state, refreshAsked)}
      </div>
      {moreBelow && (
        <div className={styles.moreAnchor}>
          <div className={styles.more} data-testid={testIds.panel.more}>
            <Button
              size="sm"
              variant="secondary"
              icon="arrow-down"
              className={styles.moreButton}
              onClick={() => scrollDown(rootRef.current)}
            >
              More below
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}

/** What the status region says: loading, a refresh asked for, and the insight each time a new one lands. */
function announcement(state: ReturnType<typeof useInsight>['state'], refreshAsked: boolean): string {
  switch (state.kind) {
    case 'loading':
      return 'Loading sprint health…';
    case 'data': {
      if (state.reloading && refreshAsked) {
        return 'Writing the insight again from the latest data…';
      }
      const { insight } = state;
      return `Sprint health of ${insight.sprint.name}: ${statusLabel[insight.status]}, score ${insight.score} out of 100.`;
    }
    default:
      // The empty and error messages are status and alert regions of their own.
      return '';
  }
}

/**
 * Whether the panel's content runs on below its bottom edge: checked when it scrolls, when it or
 * its content changes size (an item opened, a narrower panel) and when the panel changes state.
 */
function useMoreBelow(ref: RefObject<HTMLElement | null>, stateKind: string): boolean {
  const [more, setMore] = useState(false);
  useEffect(() => {
    const root = ref.current;
    if (!root) {
      return;
    }
    const check = () => setMore(root.scrollHeight - root.scrollTop - root.clientHeight > 1);
    check();
    root.addEventListener('scroll', check, { passive: true });
    const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(check);
    observer?.observe(root);
    for (const child of Array.from(root.children)) {
      observer?.observe(child);
    }
    return () => {
      root.removeEventListener('scroll', check);
      observer?.disconnect();
    };
  }, [ref, stateKind]);
  return more;
}

function scrollDown(root: HTMLElement | null) {
  root?.scrollBy?.({ top: root.clientHeight * 0.8, behavior: 'smooth' });
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
  /** One column, the sprint under the status. */
  narrow: boolean;
  timeZone: string;
  refreshing: boolean;
  onRefresh: () => void;
}

function InsightView({ insight, options, compact, narrow, timeZone, refreshing, onRefresh }: ViewProps) {
  const styles = useSprintHealthStyles();
  // Re-rendered each minute, so "generated 5 minutes ago" stays true on a screen nobody touches.
  useNow(60_000);
  // The header counts days at the instant the insight was written, as its words do.
  const writtenAt = Date.parse(insight.generatedAt);
  // An item that is both a risk and a bottleneck is told in full once, under Risks when they are shown.
  const twice = listedTwice(insight);
  const risksShown = new Set(options.showRisks ? mostSevere(insight.risks, options.maxItems).map(itemKey) : []);
  const alsoBottleneck: AlsoListed = (item) =>
    options.showBottlenecks && twice.has(itemKey(item)) ? { note: 'Also a bottleneck', brief: false } : undefined;
  const alsoRisk: AlsoListed = (item) => {
    const key = itemKey(item);
    if (!twice.has(key)) {
      return undefined;
    }
    return risksShown.has(key)
      ? { note: 'Also a risk: its details and links are under Risks', brief: true }
      : { note: 'Also a risk', brief: false };
  };
  const sections = [
    options.showRisks && {
      name: 'risks' as const,
      title: 'Risks',
      icon: 'exclamation-triangle' as const,
      items: insight.risks,
      alsoListed: alsoBottleneck,
    },
    options.showBottlenecks && {
      name: 'bottlenecks' as const,
      title: 'Bottlenecks',
      icon: 'hourglass' as const,
      items: insight.bottlenecks,
      alsoListed: alsoRisk,
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

  // Beside the score when there is room; under it on a narrow panel, dates and all.
  const sprintInfo = (
    <div className={cx(styles.sprint, narrow && styles.sprintInline)} data-testid={testIds.panel.sprint}>
      <div className={styles.sprintName}>{insight.sprint.name}</div>
      <div className={styles.sprintMeta}>
        {`${insight.sprint.team} · ${sprintDates(insight.sprint, writtenAt, timeZone)}`}
      </div>
    </div>
  );

  return (
    <div className={cx(styles.view, compact && styles.viewCompact)}>
      <header className={styles.header}>
        <StatusBadge status={insight.status} compact={compact} />
        {/* An image with a name, so the number is read as a score and not as "69 slash 100". */}
        <div
          className={cx(styles.score, compact && styles.scoreCompact, styles.scoreColor[insight.status])}
          data-testid={testIds.panel.score}
          role="img"
          aria-label={`Score ${insight.score} out of 100`}
        >
          {insight.score}
          <span className={styles.scoreMax}>/100</span>
        </div>
        {!narrow && sprintInfo}
        {narrow && <div className={styles.spacer} />}
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

      {narrow && sprintInfo}

      {/* Why this status and score, in the words the API and Slack use; the arithmetic behind a button. */}
      {insight.scoreBasis && (
        <div className={styles.basisRow}>
          <p className={cx(styles.basis, styles.basisTone[insight.status])} data-testid={sprintHealthTestIds.basis}>
            {insight.scoreBasis.sentence}
          </p>
          <Tooltip content={scoreArithmetic(insight.score, insight.scoreBasis)}>
            <IconButton
              name="info-circle"
              size="sm"
              className={styles.iconTarget}
              aria-label={`How the score was reached: ${scoreArithmetic(insight.score, insight.scoreBasis)}`}
            />
          </Tooltip>
        </div>
      )}

      {/* Under the status it qualifies: how likely the rest is done by the end, and when it will be. */}
      <Forecast
        forecast={insight.forecast}
        endAt={insight.sprint.endAt}
        madeAt={insight.generatedAt}
        timeZone={timeZone}
        compact={compact}
        narrow={narrow}
      />

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
            <IconButton
              name="info-circle"
              size="sm"
              className={styles.iconTarget}
              aria-label={`Why rule-based: ${insight.fallbackReason}`}
            />
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
              <button
                type="button"
                className={styles.refused}
                data-testid={sprintHealthTestIds.refused}
                aria-label={`${refusedLabel(insight.refused)}: ${refusedLines(insight.refused).join('. ')}`}
              >
                {refusedLabel(insight.refused)}
              </button>
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
