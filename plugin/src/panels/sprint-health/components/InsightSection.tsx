import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2, IconName } from '@grafana/data';
import { Icon, TextLink, useStyles2 } from '@grafana/ui';
import type { InsightItem, InsightRef, Severity } from '../../../insight/types';
import { testIds } from '../../../components/testIds';
import { mostSevere, severityColor } from '../format';

interface Props {
  name: 'risks' | 'bottlenecks' | 'recommendations';
  title: string;
  icon: IconName;
  items: InsightItem[];
  maxItems: number;
  compact: boolean;
}

export function InsightSection({ name, title, icon, items, maxItems, compact }: Props) {
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
          {shown.map((item, i) => (
            <Item key={`${item.title}-${i}`} item={item} compact={compact} />
          ))}
        </ul>
      )}
      {hidden > 0 && <div className={styles.more}>+{hidden} more</div>}
    </section>
  );
}

function Item({ item, compact }: { item: InsightItem; compact: boolean }) {
  const styles = useStyles2(getStyles);
  return (
    <li className={cx(styles.item, styles.border[item.severity])}>
      <div className={styles.itemHead}>
        <span className={cx(styles.severity, styles.text[item.severity])}>{item.severity}</span>
        <span className={cx(styles.title, compact && styles.titleCompact)}>{item.title}</span>
      </div>
      {!compact && item.detail && <div className={styles.detail}>{item.detail}</div>}
      {item.refs.length > 0 && (
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

const getStyles = (theme: GrafanaTheme2) => ({
  border: Object.fromEntries(severities.map((s) => [s, css({ borderLeftColor: severityColor(theme, s) })])) as Record<
    Severity,
    string
  >,
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
    color: theme.colors.text.disabled,
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
    borderLeft: `3px solid ${theme.colors.border.medium}`,
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
  }),
  title: css({
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
    minWidth: 0,
  }),
  titleCompact: css({
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  detail: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
  }),
  refs: css({
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(1.5),
    rowGap: theme.spacing(0.25),
  }),
  refPlain: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  }),
  more: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
  }),
});
