import React from 'react';
import { cx } from '@emotion/css';
import { Icon } from '@grafana/ui';
import type { InsightStatus } from '../../../insight/types';
import { testIds } from '../../../components/testIds';
import { statusIcon, statusLabel } from '../format';
import { useSprintHealthStyles } from '../styles';

/** The status as a word and a shape of its own (tick, triangle, cross), so it never rests on colour alone. */
export function StatusBadge({ status, compact }: { status: InsightStatus; compact: boolean }) {
  const styles = useSprintHealthStyles();
  return (
    <div
      className={cx(styles.status, compact && styles.statusCompact, styles.statusTone[status])}
      data-testid={testIds.panel.status}
    >
      <Icon name={statusIcon[status]} size={compact ? 'md' : 'lg'} aria-hidden className={styles.statusIcon[status]} />
      {statusLabel[status]}
    </div>
  );
}
