export const testIds = {
  appConfig: {
    form: 'data-testid ac-form',
    apiUrl: 'data-testid ac-api-url',
    apiToken: 'data-testid ac-api-token',
    submit: 'data-testid ac-submit-form',
    saved: 'data-testid ac-saved',
    error: 'data-testid ac-error',
  },
  appHome: {
    root: 'data-testid ah-root',
    api: 'data-testid ah-api',
    dashboards: 'data-testid ah-dashboards',
  },
  panel: {
    root: 'data-testid sh-panel',
    loading: 'data-testid sh-loading',
    empty: 'data-testid sh-empty',
    error: 'data-testid sh-error',
    status: 'data-testid sh-status',
    score: 'data-testid sh-score',
    summary: 'data-testid sh-summary',
    sprint: 'data-testid sh-sprint',
    selection: 'data-testid sh-selection',
    source: 'data-testid sh-source',
    refresh: 'data-testid sh-refresh',
    section: (name: string) => `data-testid sh-section-${name}`,
  },
};
