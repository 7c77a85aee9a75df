import type { DeploySource, MergeStyle, TeamProfile } from './types.js';

/** How the four base teams work: from an elite platform team to a release-train mobile team. */
const BASE_TEAMS: Omit<TeamProfile, 'name' | 'projectKey' | 'boardId'>[] = [
  {
    deploysPerDay: 3,
    failRate: 0.08,
    codingMedianH: 10,
    pickupMedianH: 3,
    reviewMedianH: 6,
    prSizeMedian: 120,
    sprintDays: 14,
  },
  {
    deploysPerDay: 5,
    failRate: 0.05,
    codingMedianH: 6,
    pickupMedianH: 1.5,
    reviewMedianH: 3,
    prSizeMedian: 80,
    sprintDays: 14,
  },
  {
    deploysPerDay: 0.3,
    failRate: 0.15,
    codingMedianH: 20,
    pickupMedianH: 8,
    reviewMedianH: 12,
    prSizeMedian: 250,
    sprintDays: 14,
  },
  {
    deploysPerDay: 1,
    failRate: 0.12,
    codingMedianH: 14,
    pickupMedianH: 6,
    reviewMedianH: 10,
    prSizeMedian: 180,
    sprintDays: 14,
  },
];
const BASE_NAMES: [string, string][] = [
  ['payments', 'PAY'],
  ['platform', 'PLAT'],
  ['mobile', 'MOB'],
  ['growth', 'GRO'],
];

export interface RepoPlan {
  name: string;
  team: number;
  source: DeploySource;
  mergeStyle: MergeStyle;
  productionEnvironment: string;
  deployWorkflow: string | null;
  /** Hotfixes are deployed from their branch before they merge (a sha off the default branch). */
  branchHotfixes: boolean;
  /** Relative share of the team's work landing here. */
  weight: number;
}

/** The first ten repositories cover every deployment source and merge style; more are plain services. */
const BASE_REPOS: Omit<RepoPlan, 'deployWorkflow'>[] = [
  {
    name: 'payments-api',
    team: 0,
    source: 'deployments',
    mergeStyle: 'squash',
    productionEnvironment: 'production',
    branchHotfixes: true,
    weight: 3,
  },
  {
    name: 'platform-gateway',
    team: 1,
    source: 'deployments',
    mergeStyle: 'merge',
    productionEnvironment: 'production',
    branchHotfixes: false,
    weight: 3,
  },
  {
    name: 'mobile-app',
    team: 2,
    source: 'releases',
    mergeStyle: 'squash',
    productionEnvironment: 'production',
    branchHotfixes: false,
    weight: 3,
  },
  {
    name: 'growth-site',
    team: 3,
    source: 'merges',
    mergeStyle: 'squash',
    productionEnvironment: 'production',
    branchHotfixes: false,
    weight: 3,
  },
  {
    name: 'ledger-service',
    team: 0,
    source: 'deployments',
    mergeStyle: 'squash',
    productionEnvironment: 'Production',
    branchHotfixes: false,
    weight: 2,
  },
  {
    name: 'auth-service',
    team: 1,
    source: 'deployments',
    mergeStyle: 'squash',
    productionEnvironment: 'prod',
    branchHotfixes: false,
    weight: 2,
  },
  {
    name: 'infra-tools',
    team: 1,
    source: 'workflow',
    mergeStyle: 'squash',
    productionEnvironment: 'production',
    branchHotfixes: false,
    weight: 1,
  },
  {
    name: 'mobile-backend',
    team: 2,
    source: 'deployments',
    mergeStyle: 'squash',
    productionEnvironment: 'production',
    branchHotfixes: false,
    weight: 2,
  },
  {
    name: 'experiments',
    team: 3,
    source: 'deployments',
    mergeStyle: 'squash',
    productionEnvironment: 'production',
    branchHotfixes: false,
    weight: 1,
  },
  {
    name: 'payments-web',
    team: 0,
    source: 'deployments',
    mergeStyle: 'squash',
    productionEnvironment: 'production',
    branchHotfixes: false,
    weight: 2,
  },
];

export function planOrganisation(repoCount: number): { teams: TeamProfile[]; repos: RepoPlan[] } {
  if (repoCount < 1) throw new Error('a world needs at least one repository');
  const teamCount = repoCount <= 10 ? 4 : Math.max(4, Math.ceil(repoCount / 5));
  const repos: RepoPlan[] = [];
  for (let i = 0; i < repoCount; i++) {
    const base = BASE_REPOS[i];
    if (base) repos.push({ ...base, deployWorkflow: base.source === 'workflow' ? 'Deploy' : null });
    else
      repos.push({
        name: `service-${String(i).padStart(3, '0')}`,
        team: i % teamCount,
        source: 'deployments',
        mergeStyle: 'squash',
        productionEnvironment: 'production',
        deployWorkflow: null,
        branchHotfixes: false,
        weight: 2,
      });
  }
  const used = [...new Set(repos.map((r) => r.team))].sort((a, b) => a - b);
  const teams: TeamProfile[] = used.map((t) => {
    const [name, key] = BASE_NAMES[t] ?? [`team-${t + 1}`, `T${t + 1}X`];
    return { ...BASE_TEAMS[t % BASE_TEAMS.length]!, name, projectKey: key, boardId: t + 1 };
  });
  // Renumber repo → team to the index in `teams`.
  for (const r of repos) r.team = used.indexOf(r.team);
  return { teams, repos };
}

const FIRST = [
  'Ada',
  'Bruno',
  'Chen',
  'Dana',
  'Emeka',
  'Farah',
  'Goran',
  'Hana',
  'Ivan',
  'Jia',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Uma',
  'Viktor',
  'Wen',
  'Yara',
  'Zane',
];
const LAST = [
  'Okafor',
  'Silva',
  'Nakamura',
  'Kowalski',
  'Haddad',
  'Lindqvist',
  'Mendes',
  'Rossi',
  'Ivanova',
  'Osei',
  'Novak',
  'Tanaka',
  'Dubois',
  'Moreau',
  'Kaur',
  'Weber',
  'Costa',
  'Berg',
];

export function personName(index: number): { login: string; name: string } {
  const first = FIRST[index % FIRST.length]!;
  const last = LAST[Math.floor(index / FIRST.length + index * 7) % LAST.length]!;
  const suffix = index >= FIRST.length * LAST.length ? String(index) : '';
  return { login: `${first}-${last}${suffix}`.toLowerCase(), name: `${first} ${last}` };
}

export const BOTS = ['dependabot[bot]', 'renovate[bot]', 'github-actions[bot]'] as const;
