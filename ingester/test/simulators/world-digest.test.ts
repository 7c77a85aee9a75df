import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { defaultSpec, generateWorld } from '../../src/simulators/world/generate.js';

/**
 * The generator's worlds, pinned: the ground-truth tests, the demo and the benchmarks all rest on
 * the same seed giving the same organisation. A change that moves a digest changes every world
 * (reordering random draws does): make it on purpose, check the ground truth, and pin anew.
 */
const DAY = 86_400_000;
const END = Date.UTC(2026, 9, 30, 16, 0);
const digest = (spec: ReturnType<typeof defaultSpec>) =>
  createHash('sha256')
    .update(JSON.stringify(generateWorld(spec)))
    .digest('hex');

describe('generated worlds', () => {
  it.each([
    [
      'incidents beside other evidence (seed 1)',
      { seed: 1, prs: 700, repos: 10, start: END - 150 * DAY, end: END, incidentAlsoShare: 0.35 },
      'c17b02ff36090ec2b72284a621f07aab1bebabe5375b809ccf4b01395fcf79b5',
    ],
    [
      'every failure with an incident, half the work linked (seed x)',
      {
        seed: 'x',
        prs: 900,
        repos: 14,
        linkedShare: 0.5,
        incidentAlsoShare: 1,
        start: END - 200 * DAY,
        end: END,
      },
      '85ef393357a21c4826a94224bf153ab49be5b6ed0a79e59113a98c5d4d649012',
    ],
  ])('are the same for the same spec: %s', (_name, spec, expected) => {
    expect(digest(defaultSpec(spec))).toBe(expected);
  });
});
