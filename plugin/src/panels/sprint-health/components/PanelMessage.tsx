import React, { type ReactNode } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, IconName } from '@grafana/data';
import { Button, Icon, LinkButton, useStyles2 } from '@grafana/ui';

interface Props {
  icon: IconName;
  tone: 'neutral' | 'warning' | 'error';
  title: string;
  children?: ReactNode;
  action?: { label: string; onClick: () => void };
  link?: { label: string; href: string };
  testId: string;
}

/** The panel's empty and error states: one icon, one line that says what is wrong, one line on what to do. */
export function PanelMessage({ icon, tone, title, children, action, link, testId }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.wrap} data-testid={testId} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={icon} size="xxl" className={styles.icon[tone]} aria-hidden />
      <div className={styles.title}>{title}</div>
      {children && <div className={styles.body}>{children}</div>}
      {(action || link) && (
        <div className={styles.actions}>
          {action && (
            <Button size="sm" variant="secondary" icon="sync" onClick={action.onClick}>
              {action.label}
            </Button>
          )}
          {link && (
            <LinkButton size="sm" variant="secondary" fill="text" icon="cog" href={link.href}>
              {link.label}
            </LinkButton>
          )}
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(1),
    textAlign: 'center',
  }),
  icon: {
    neutral: css({ color: theme.colors.text.secondary }),
    warning: css({ color: theme.colors.warning.text }),
    error: css({ color: theme.colors.error.text }),
  },
  actions: css({
    display: 'flex',
    flexWrap: 'wrap',
    justifyContent: 'center',
    gap: theme.spacing(1),
  }),
  title: css({
    ...theme.typography.h5,
    margin: 0,
  }),
  body: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    maxWidth: theme.spacing(60),
    overflowWrap: 'anywhere',
  }),
});
