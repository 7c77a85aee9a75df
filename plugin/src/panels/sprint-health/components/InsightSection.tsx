import React, { useId, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2, IconName } from '@grafana/data';
import { Icon, TextLink, styleMixins, useStyles2 } from '@grafana/ui';
import type { InsightItem, InsightRef, Severity } from '../../../insight/types';
import { testIds } from '../../../components/testIds';
import { mostSevere, severityColor, severityIcon } from '../format';

/** What to say of an item that another section lists too, and whether its detail is told there. */
export type AlsoListed = (item: InsightItem) => { note: string; brief: boolean } | undefined;

interface Props {
  name: 'risks' | 'bottlenecks' | 'recommendations';
  title: string;
  icon: IconName;
  items: InsightItem[];
  maxItems: number;
  compact: boolean;
  alsoListed?: AlsoListed;
}

export function InsightSection({ name, title, icon, items, maxItems, compact, alsoListed }: Props) {
  const styles = useStyles2(getStyles);
  const shown = mostSevere(items, maxItems);
  const hidden = items.length - shown.length;
  return (
    <section className={styles.section} data-testid={testIds.panel.section(name)} aria-label={title}>
      <h3 className={styles.heading}>
        <Icon name={icon} aria-hidden />
        {title}
        <span className={styles.count}>{items.length}</span>
      </h3>
      {items.length === 0 ? (
        <div className={styles.none}>None</div>
      ) : (
        <ul className={styles.list}>
          {shown.map((item, i) => {
            const also = alsoListed?.(item);
            return (
              <Item
                key={`${item.title}-${i}`}
                item={item}
                compact={compact}
                note={also?.note}
                brief={Boolean(also?.brief)}
              />
            );
          })}
        </ul>
      )}
      {hidden > 0 && <div className={styles.more}>+{hidden} more</div>}
    </section>
  );
}

interface ItemProps {
  item: InsightItem;
  compact: boolean;
  /** Says the item is in another section too. */
  note?: string;
  /** Its detail and links are in the other section. */
  brief: boolean;
}

function Item({ item, compact, note, brief }: ItemProps) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState(false);
  const detailId = useId();
  const hasDetail = !brief && Boolean(item.detail);
  // The compact layout keeps a card to its title; the title opens the rest, so nothing is out of reach.
  const expandable = compact && hasDetail;
  return (
    <li className={cx(styles.item, styles.severityBorder[item.severity])} data-severity={item.severity}>
      <div className={styles.itemHead}>
        <span className={cx(styles.severity, styles.text[item.severity])}>
          <Icon name={severityIcon[item.severity]} size="sm" aria-hidden />
          {item.severity}
        </span>
        {expandable ? (
          <button
            type="button"
            className={styles.titleButton}
            aria-expanded={open}
            aria-controls={detailId}
            onClick={() => setOpen((o) => !o)}
          >
            <span>{item.title}</span>
            <Icon name={open ? 'angle-down' : 'angle-right'} size="sm" aria-hidden className={styles.chevron} />
          </button>
        ) : (
          <span className={styles.title}>{item.title}</span>
        )}
      </div>
      {note && (
        <div className={styles.note}>
          <Icon name="link" size="xs" aria-hidden />
          {note}
        </div>
      )}
      {hasDetail && (!compact || open) && (
        <div className={styles.detail} id={detailId}>
          {item.detail}
        </div>
      )}
      {!brief && item.refs.length > 0 && (
        <div className={styles.refs}>
          {item.refs.map((ref) => (
            <Ref key={`${ref.kind}:${ref.key}`} ref_={ref} />
          ))}
        </div>
      )}
    </li>
  );
}

function Ref({ ref_ }: { ref_: InsightRef }) {
  const styles = useStyles2(getStyles);
  const icon: IconName = ref_.kind === 'pull_request' ? 'code-branch' : 'clipboard-alt';
  const label = ref_.kind === 'pull_request' ? `Pull request ${ref_.key}` : `Issue ${ref_.key}`;
  if (!ref_.url) {
    return (
      <span className={styles.refPlain} title={`${label} (no link)`}>
        <Icon name={icon} size="xs" aria-hidden />
        {ref_.key}
      </span>
    );
  }
  return (
    <TextLink href={ref_.url} external variant="bodySmall" icon={icon} aria-label={label}>
      {ref_.key}
    </TextLink>
  );
}

const severities: Severity[] = ['high', 'medium', 'low'];

/** A heavier edge for a more severe card: a second cue besides the colour and the icon. */
const edgeWidth: Record<Severity, number> = { high: 6, medium: 4, low: 2 };

/** WCAG 2.5.8: a pointer target at least 24 px tall. */
const TARGET = 3;

const getStyles = (theme: GrafanaTheme2) => ({
  severityBorder: Object.fromEntries(
    severities.map((s) => [s, css({ borderLeft: `${edgeWidth[s]}px solid ${severityColor(theme, s)}` })])
  ) as Record<Severity, string>,
  text: Object.fromEntries(severities.map((s) => [s, css({ color: severityColor(theme, s) })])) as Record<
    Severity,
    string
  >,
  section: css({
    minWidth: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  heading: css({
    ...theme.typography.h6,
    margin: 0,
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    color: theme.colors.text.secondary,
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
  }),
  count: css({
    ...theme.typography.bodySmall,
    padding: theme.spacing(0, 0.75),
    borderRadius: theme.shape.radius.pill,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    color: theme.colors.text.secondary,
  }),
  none: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
  }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  item: css({
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(0.75, 1, 0.75, 1.25),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    minWidth: 0,
  }),
  itemHead: css({
    display: 'flex',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    minWidth: 0,
  }),
  severity: css({
    ...theme.typography.bodySmall,
    fontWeight: theme.typography.fontWeightBold,
    textTransform: 'uppercase',
    flexShrink: 0,
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    alignSelf: 'center',
  }),
  title: css({
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
    minWidth: 0,
    overflowWrap: 'anywhere',
  }),
  titleButton: css({
    all: 'unset',
    boxSizing: 'border-box',
    minHeight: theme.spacing(TARGET),
    minWidth: 0,
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
    overflowWrap: 'anywhere',
    cursor: 'pointer',
    borderRadius: theme.shape.radius.default,
    '&:hover': { textDecoration: 'underline' },
    '&:focus-visible': styleMixins.getFocusStyles(theme),
  }),
  chevron: css({
    flexShrink: 0,
    color: theme.colors.text.secondary,
  }),
  note: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    fontStyle: 'italic',
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  }),
  detail: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
  }),
  refs: css({
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(1.5),
    // TextLink takes no class of its own; its anchors are made 24 px tall from here.
    '& a': {
      minHeight: theme.spacing(TARGET),
      display: 'inline-flex',
      alignItems: 'center',
    },
  }),
  refPlain: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    minHeight: theme.spacing(TARGET),
  }),
  more: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
  }),
});
