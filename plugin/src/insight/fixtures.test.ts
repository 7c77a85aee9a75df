import path from 'path';
import { insightFixtures, olderApiInsight } from './fixtures';

// The API's own schema, loaded from the ingester's source so a change to the API shape fails
// here rather than in a dashboard. `require` keeps it out of the plugin's TypeScript program,
// whose rootDir is src/ and which must never bundle ingester code.
const shapePath = path.resolve(__dirname, '../../../ingester/src/insights/shape.ts');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sprintHealthInsight, sprintHealthAnswer } = require(shapePath);

describe('insight fixtures', () => {
  it.each(Object.entries(insightFixtures))('%s satisfies the API schema', (_name, insight) => {
    const result = (insight.selection ? sprintHealthAnswer : sprintHealthInsight).safeParse(insight);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });

  it('the older API’s answer is the current one less the forecast', () => {
    expect(olderApiInsight).not.toHaveProperty('forecast');
    const result = sprintHealthInsight.omit({ forecast: true }).safeParse(olderApiInsight);
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it('the schema rejects what the panel must never be shown', () => {
    const broken = { ...insightFixtures.atRiskInsight, score: 140 };
    expect(sprintHealthInsight.safeParse(broken).success).toBe(false);
  });
});
