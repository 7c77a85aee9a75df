import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import type { SprintForecast } from '../../../insight/types';
import {
  type ForecastFan,
  type ForecastPercentile,
  calendarDay,
  dayLabel,
  forecastDetail,
  forecastFan,
  forecastHeadline,
  forecastNote,
  forecastPercentiles,
} from '../format';
import { sprintHealthTestIds } from '../testIds';

interface Props {
  /** Absent from an older API, null for a closed sprint: then nothing is shown. */
  forecast: SprintForecast | null | undefined;
  /** The sprint's end, the instant. */
  endAt: string;
  /** When the insight, and so the forecast, was made: the bar starts on its day. */
  madeAt: string;
  timeZone: string;
  compact: boolean;
  /** One column: the counts behind the chance are left to the wider layouts. */
  narrow: boolean;
}

/**
 * The sprint's Monte Carlo forecast: the chance of finishing by the end as the headline, then the
 * dated percentiles as a bar and, for every reader, as words.
 */
export function Forecast({ forecast, endAt, madeAt, timeZone, compact, narrow }: Props) {
  const styles = useStyles2(getStyles);
  if (!forecast) {
    return null;
  }
  const note = forecastNote(forecast);
  if (forecast.state === 'refused') {
    return (
      <p className={styles.muted} data-testid={sprintHealthTestIds.forecast}>
        <Icon name="calendar-slash" size="sm" aria-hidden className={styles.icon} />
        <span>{note?.text}</span>
      </p>
    );
  }
  const headline = forecastHeadline(forecast, endAt, timeZone);
  const detail = narrow ? undefined : forecastDetail(forecast);
  const endDay = calendarDay(endAt, timeZone);
  const fan = forecastFan(forecast, calendarDay(madeAt, timeZone), endDay);
  const percentiles = forecastPercentiles(forecast);
  return (
    <div
      role="group"
      aria-label="Forecast"
      className={cx(styles.forecast, compact && styles.forecastCompact)}
      data-testid={sprintHealthTestIds.forecast}
    >
      {/* Each pair side by side where there is room, one under the other where there is not. */}
      <div className={styles.row}>
        {headline && (
          <p className={styles.headline}>
            <Icon name="calendar-alt" size={compact ? 'sm' : 'md'} aria-hidden className={styles.icon} />
            <span>{headline}</span>
          </p>
        )}
        {detail && (
          <p className={styles.detail}>
            {/* Wrapped between its parts, never inside one. */}
            {detail.map((part, i) => (
              <React.Fragment key={part}>
                {i > 0 && ' · '}
                <span className={styles.part}>{part}</span>
              </React.Fragment>
            ))}
          </p>
        )}
      </div>
      {fan && percentiles.length > 0 && (
        <div className={styles.row}>
          <FanBar fan={fan} compact={compact} />
          <DateList percentiles={percentiles} endDay={endDay} />
        </div>
      )}
      {note && (
        <p className={styles.muted} data-testid={sprintHealthTestIds.forecastWarning}>
          <Icon name="exclamation-triangle" size="sm" aria-hidden className={styles.warningIcon} />
          <span>{note.text}</span>
        </p>
      )}
    </div>
  );
}

/** Each date of the bar in words, beside the key of its mark: what the bar shows, for every reader. */
function DateList({ percentiles, endDay }: { percentiles: ForecastPercentile[]; endDay: string }) {
  const styles = useStyles2(getStyles);
  return (
    <ul className={styles.dates} aria-label="Likely done by">
      {percentiles.map((p) => (
        <li key={p.pct} className={styles.date}>
          <span className={styles.tickKey} aria-hidden />
          <strong>{p.chance}</strong> {p.when}
        </li>
      ))}
      <li className={styles.date}>
        <span className={styles.endKey} aria-hidden />
        sprint ends {dayLabel(endDay)}
      </li>
    </ul>
  );
}

/** The dates drawn over calendar days; hidden from screen readers, as the list beside it says the same. */
function FanBar({ fan, compact }: { fan: ForecastFan; compact: boolean }) {
  const styles = useStyles2(getStyles);
  const left = (at: number) => `${at * 100}%`;
  return (
    <div className={cx(styles.bar, compact && styles.barCompact)} aria-hidden data-testid={sprintHealthTestIds.fan}>
      <div className={styles.track} />
      <div
        className={cx(styles.band, fan.band.open && styles.bandOpen)}
        style={{ left: left(fan.band.from), width: left(fan.band.to - fan.band.from) }}
      />
      {fan.ticks.map((t) => (
        <div key={t.pct} className={styles.tick} style={{ left: left(t.at) }} />
      ))}
      <div className={styles.end} style={{ left: left(fan.end) }} />
    </div>
  );
}

/** The bar's height, in spacing units; its marks reach past it. */
const BAR = 1.5;

const getStyles = (theme: GrafanaTheme2) => {
  const mark = (height: number) => ({
    position: 'absolute' as const,
    top: `calc(50% - ${theme.spacing(height / 2)})`,
    height: theme.spacing(height),
    width: 2,
    marginLeft: -1,
  });
  // The mark of the bar a date stands for, beside it in the list.
  const key = (height: number) => ({
    display: 'inline-block',
    width: 2,
    height: theme.spacing(height),
    marginRight: theme.spacing(0.5),
    verticalAlign: 'middle',
  });
  return {
    forecast: css({
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(0.5),
      minWidth: 0,
    }),
    forecastCompact: css({
      gap: theme.spacing(0.25),
    }),
    row: css({
      display: 'flex',
      flexWrap: 'wrap',
      alignItems: 'center',
      columnGap: theme.spacing(2),
      rowGap: theme.spacing(0.5),
      minWidth: 0,
    }),
    headline: css({
      margin: 0,
      display: 'flex',
      alignItems: 'baseline',
      gap: theme.spacing(0.75),
      fontWeight: theme.typography.fontWeightMedium,
      color: theme.colors.text.primary,
      overflowWrap: 'anywhere',
    }),
    icon: css({
      flexShrink: 0,
      alignSelf: 'center',
      color: theme.colors.text.secondary,
    }),
    warningIcon: css({
      flexShrink: 0,
      alignSelf: 'center',
      color: theme.colors.warning.text,
    }),
    detail: css({
      ...theme.typography.bodySmall,
      margin: 0,
      color: theme.colors.text.secondary,
    }),
    part: css({
      whiteSpace: 'nowrap',
    }),
    // Long enough to tell days apart, short enough to read across on a wall screen.
    bar: css({
      position: 'relative',
      flex: `1 1 ${theme.spacing(30)}`,
      height: theme.spacing(BAR + 1),
      maxWidth: theme.spacing(60),
      // The marks are centred on their place: room so the first and last stay inside.
      margin: theme.spacing(0, 0.5),
    }),
    barCompact: css({
      height: theme.spacing(BAR + 0.5),
    }),
    track: css({
      position: 'absolute',
      left: 0,
      right: 0,
      top: `calc(50% - ${theme.spacing(BAR / 4)})`,
      height: theme.spacing(BAR / 2),
      borderRadius: theme.shape.radius.pill,
      background: theme.colors.background.secondary,
      border: `1px solid ${theme.colors.border.medium}`,
    }),
    // The likely range, the 50% date to the 95%: the narrower, the steadier the team.
    band: css({
      position: 'absolute',
      top: `calc(50% - ${theme.spacing(BAR / 2)})`,
      height: theme.spacing(BAR),
      minWidth: 2,
      borderRadius: theme.shape.radius.default,
      background: theme.colors.primary.transparent,
      border: `1px solid ${theme.colors.primary.border}`,
    }),
    // Past a year: it fades out, having no end to draw.
    bandOpen: css({
      background: `linear-gradient(to right, ${theme.colors.primary.transparent}, transparent)`,
      borderRight: 'none',
      borderTopRightRadius: 0,
      borderBottomRightRadius: 0,
    }),
    tick: css({
      ...mark(BAR),
      background: theme.colors.primary.text,
    }),
    // Taller and in the text's colour, so the end is not mistaken for a percentile.
    end: css({
      ...mark(BAR + 1),
      background: theme.colors.text.primary,
    }),
    // Beside the bar when both fit, its items wrapping; under it on a narrow panel.
    dates: css({
      ...theme.typography.bodySmall,
      flex: '1 1 0',
      minWidth: theme.spacing(30),
      listStyle: 'none',
      margin: 0,
      padding: 0,
      display: 'flex',
      flexWrap: 'wrap',
      columnGap: theme.spacing(1.5),
      rowGap: theme.spacing(0.25),
      color: theme.colors.text.secondary,
    }),
    date: css({
      whiteSpace: 'nowrap',
      strong: {
        color: theme.colors.text.primary,
        fontWeight: theme.typography.fontWeightMedium,
      },
    }),
    tickKey: css({
      ...key(1.5),
      background: theme.colors.primary.text,
    }),
    endKey: css({
      ...key(2),
      background: theme.colors.text.primary,
    }),
    muted: css({
      ...theme.typography.bodySmall,
      margin: 0,
      display: 'flex',
      alignItems: 'baseline',
      gap: theme.spacing(0.5),
      color: theme.colors.text.secondary,
    }),
  };
};
