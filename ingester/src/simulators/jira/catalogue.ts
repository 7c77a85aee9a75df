import type { IssueType } from '../world/types.js';

/**
 * Jira's catalogues as a Jira Cloud site numbers them: the custom fields a sync
 * reads, status categories, statuses and issue types.
 */

export const FIELD = {
  sprint: 'customfield_10020',
  /** Jira Cloud's "Story point estimate" (team- and company-managed boards). */
  storyPoints: 'customfield_10016',
  /** The older float "Story Points" field many sites still have; no board here uses it. */
  legacyStoryPoints: 'customfield_10028',
  flagged: 'customfield_10021',
  rank: 'customfield_10019',
} as const;

export const FLAG_OPTION = { id: '10019', value: 'Impediment' };

export const CATEGORIES = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
  undefined: { id: 1, key: 'undefined', colorName: 'medium-gray', name: 'No Category' },
} as const;

export const STATUSES: { id: string; name: string; category: keyof typeof CATEGORIES }[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'In Review', category: 'indeterminate' },
  { id: '10002', name: 'Blocked', category: 'indeterminate' },
  { id: '10003', name: 'Done', category: 'done' },
];
const statusByName = new Map(STATUSES.map((s) => [s.name, s]));

export function statusId(name: string): string {
  const s = statusByName.get(name);
  if (!s) throw new Error(`unknown status ${name}`);
  return s.id;
}

export const ISSUE_TYPES: Record<IssueType, { id: string; hierarchyLevel: number; description: string }> = {
  Epic: { id: '10000', hierarchyLevel: 1, description: 'A big user story that needs to be broken down.' },
  Story: {
    id: '10001',
    hierarchyLevel: 0,
    description: 'Functionality or a feature expressed as a user goal.',
  },
  Task: { id: '10002', hierarchyLevel: 0, description: 'A small, distinct piece of work.' },
  Bug: { id: '10003', hierarchyLevel: 0, description: 'A problem or error.' },
  Incident: { id: '10004', hierarchyLevel: 0, description: 'A problem in production.' },
};
