import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { styleMixins, useStyles2 } from '@grafana/ui';
import type { InsightStatus } from '../../insight/types';
import { statusColor } from './format';

const statuses: InsightStatus[] = ['on_track', 'at_risk', 'off_track'];

/** The "more below" cue's height, in spacing units. */
const MORE_CUE = 4;

export const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    position: 'relative',
    height: '100%',
    width: '100%',
    overflow: 'auto',
    // Room for Grafana's 4 px focus ring: the panel's own edge would clip it otherwise.
    padding: theme.spacing(0.5),
    // Whatever gets the focus is scrolled clear of the edge and of the "more below" cue.
    scrollPaddingBlock: `${theme.spacing(1)} ${theme.spacing(MORE_CUE + 1)}`,
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
  // The word in the theme's text colour over the status's tint: the tint alone cannot carry it in both
  // themes (the light theme's error text is 4.3:1 on its own tint), and the icon and border keep the colour.
  statusTone: Object.fromEntries(
    statuses.map((s) => {
      const c = statusColor(theme, s);
      return [s, css({ color: theme.colors.text.primary, background: c.transparent, borderColor: c.border })];
    })
  ) as Record<InsightStatus, string>,
  statusIcon: Object.fromEntries(statuses.map((s) => [s, css({ color: statusColor(theme, s).text })])) as Record<
    InsightStatus,
    string
  >,
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
    flexWrap: 'wrap',
    alignItems: 'baseline',
    columnGap: theme.spacing(1),
  }),
  // Wrapped, never cut: a sprint's name and dates are short enough to read whole on any panel.
  sprintName: css({
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
    overflowWrap: 'anywhere',
  }),
  sprintMeta: css({
    minWidth: 0,
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    overflowWrap: 'anywhere',
  }),
  spacer: css({
    flex: 1,
  }),
  refresh: css({
    flexShrink: 0,
    alignSelf: 'flex-start',
    margin: 0,
    minWidth: theme.spacing(3),
    minHeight: theme.spacing(3),
  }),
  /** An icon button made a 24 px target (WCAG 2.5.8) without growing the icon. */
  iconTarget: css({
    margin: 0,
    minWidth: theme.spacing(3),
    minHeight: theme.spacing(3),
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
  }),
  basisTone: Object.fromEntries(
    statuses.map((s) => [s, css({ color: statusColor(theme, s).text, borderLeftColor: statusColor(theme, s).border })])
  ) as Record<InsightStatus, string>,
  refusedList: css({
    margin: 0,
    paddingLeft: theme.spacing(2),
  }),
  // Smaller, never clamped: its second sentence is the main problem, the one to act on.
  summaryCompact: css({
    ...theme.typography.body,
    margin: 0,
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
  basisRow: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  }),
  refused: css({
    all: 'unset',
    ...theme.typography.bodySmall,
    minHeight: theme.spacing(3),
    display: 'inline-flex',
    alignItems: 'center',
    color: theme.colors.text.secondary,
    textDecoration: 'underline dotted',
    cursor: 'help',
    borderRadius: theme.shape.radius.default,
    '&:focus-visible': styleMixins.getFocusStyles(theme),
  }),
  /** Stays at the panel's bottom edge while there is more below it; takes no room of its own. */
  moreAnchor: css({
    position: 'sticky',
    bottom: 0,
    height: 0,
    display: 'flex',
    justifyContent: 'center',
    pointerEvents: 'none',
  }),
  more: css({
    position: 'absolute',
    bottom: 0,
    left: 0,
    right: 0,
    height: theme.spacing(MORE_CUE),
    display: 'flex',
    alignItems: 'flex-end',
    justifyContent: 'center',
    paddingBottom: theme.spacing(0.5),
    background: `linear-gradient(to bottom, transparent, ${theme.colors.background.primary} 70%)`,
  }),
  moreButton: css({
    pointerEvents: 'auto',
  }),
  visuallyHidden: css({
    position: 'absolute',
    width: 1,
    height: 1,
    padding: 0,
    margin: -1,
    overflow: 'hidden',
    clip: 'rect(0, 0, 0, 0)',
    whiteSpace: 'nowrap',
    border: 0,
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
