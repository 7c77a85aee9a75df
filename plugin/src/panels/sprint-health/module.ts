import { PanelPlugin } from '@grafana/data';
import { SprintHealthPanel } from './components/SprintHealthPanel';
import { type SprintHealthOptions, defaultOptions } from './types';

export const plugin = new PanelPlugin<SprintHealthOptions>(SprintHealthPanel).setPanelOptions((builder) =>
  builder
    .addTextInput({
      path: 'team',
      name: 'Team',
      description: 'A team key, or the dashboard variable that holds it',
      defaultValue: defaultOptions.team,
      category: ['Sprint'],
    })
    .addTextInput({
      path: 'sprint',
      name: 'Sprint',
      description: "A sprint id, or the dashboard variable that holds it; when empty, the team's active sprint",
      defaultValue: defaultOptions.sprint,
      category: ['Sprint'],
    })
    .addBooleanSwitch({
      path: 'showRisks',
      name: 'Risks',
      defaultValue: defaultOptions.showRisks,
      category: ['Sections'],
    })
    .addBooleanSwitch({
      path: 'showBottlenecks',
      name: 'Bottlenecks',
      defaultValue: defaultOptions.showBottlenecks,
      category: ['Sections'],
    })
    .addBooleanSwitch({
      path: 'showRecommendations',
      name: 'Recommendations',
      defaultValue: defaultOptions.showRecommendations,
      category: ['Sections'],
    })
    .addSliderInput({
      path: 'maxItems',
      name: 'Items per section',
      description: 'The most severe first',
      defaultValue: defaultOptions.maxItems,
      settings: { min: 1, max: 10, step: 1 },
      category: ['Sections'],
    })
    .addNumberInput({
      path: 'reloadMinutes',
      name: 'Reload every (minutes)',
      description: 'Asks for the insight again on screens nobody refreshes; 0 leaves it to the dashboard refresh',
      defaultValue: defaultOptions.reloadMinutes,
      settings: { min: 0, max: 1440, integer: true },
      category: ['Layout'],
    })
    .addRadio({
      path: 'compact',
      name: 'Compact layout',
      description:
        'Cards by their titles, each opening for its detail; Auto switches on panels under 320 px high or smaller than 480×320 px',
      defaultValue: defaultOptions.compact,
      settings: {
        options: [
          { value: 'auto', label: 'Auto' },
          { value: 'on', label: 'On' },
          { value: 'off', label: 'Off' },
        ],
      },
      category: ['Layout'],
    })
);
