export type CompactMode = 'auto' | 'on' | 'off';

export interface SprintHealthOptions {
  /** A team key or a dashboard variable (`$team`); used when no sprint is given. */
  team: string;
  /** A sprint id or a dashboard variable (`$sprint`); wins over the team when it has a value. */
  sprint: string;
  showRisks: boolean;
  showBottlenecks: boolean;
  showRecommendations: boolean;
  /** How many items each section lists, most severe first. */
  maxItems: number;
  /** `auto` switches to the compact layout when the panel is small. */
  compact: CompactMode;
  /** Ask again every so many minutes, for screens nobody refreshes; 0 leaves it to the dashboard. */
  reloadMinutes: number;
}

export const defaultOptions: SprintHealthOptions = {
  team: '$team',
  sprint: '$sprint',
  showRisks: true,
  showBottlenecks: true,
  showRecommendations: true,
  maxItems: 3,
  compact: 'auto',
  reloadMinutes: 5,
};
