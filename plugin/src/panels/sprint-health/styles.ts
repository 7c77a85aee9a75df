import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { InsightStatus } from '../../insight/types';
import { statusColor } from './format';

const statuses: InsightStatus[] = ['on_track', 'at_risk', 'off_track'];

export const getStyles = (theme: GrafanaTheme2) => ({
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
  basis: css({
    ...theme.typography.bodySmall,
    fontWeight: theme.typography.fontWeightMedium,
    margin: 0,
    paddingLeft: theme.spacing(1),
    borderLeft: '3px solid',
    cursor: 'help',
  }),
  basisTone: Object.fromEntries(
    statuses.map((s) => [s, css({ color: statusColor(theme, s).text, borderLeftColor: statusColor(theme, s).border })])
  ) as Record<InsightStatus, string>,
  refusedList: css({
    margin: 0,
    paddingLeft: theme.spacing(2),
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

/** The panel's styles for the current theme. */
export const useSprintHealthStyles = () => useStyles2(getStyles);
