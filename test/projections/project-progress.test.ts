// What `npm run project` tells an operator while it catches up (scripts/project-progress.ts).
import { describe, expect, it } from 'vitest';
import { Progress, progressLine, roughly } from '../../scripts/project-progress.js';

describe('the projector progress line', () => {
  it('says how far, how fast and about how long is left, from where the catch-up began', () => {
    // A rebuild from 0: 250,000 of 1,000,000 in 20 s is 12,500 events/s, 750,000 left: 60 s.
    expect(progressLine({ position: 0, atMs: 0 }, { position: 250_000, head: 1_000_000, atMs: 20_000 })).toBe(
      'projected 250,000 of 1,000,000 events (25 %), 12,500 events/s, about 60 s to go',
    );
    // A restart from a checkpoint: the rate and the share count only this run's work.
    expect(progressLine({ position: 900_000, atMs: 5_000 }, { position: 950_000, head: 1_000_000, atMs: 15_000 })).toBe(
      'projected 950,000 of 1,000,000 events (50 %), 5,000 events/s, about 10 s to go',
    );
  });

  it('gives minutes for a long wait and no estimate before anything moved', () => {
    expect(progressLine({ position: 0, atMs: 0 }, { position: 100_000, head: 5_000_000, atMs: 10_000 })).toBe(
      'projected 100,000 of 5,000,000 events (2 %), 10,000 events/s, about 8 min to go',
    );
    expect(progressLine({ position: 0, atMs: 0 }, { position: 0, head: 5_000, atMs: 3_000 })).toBe('projected 0 of 5,000 events (0 %), 0 events/s');
  });

  it('says it is finishing once less than a second is left at that rate', () => {
    expect(progressLine({ position: 0, atMs: 0 }, { position: 999_500, head: 1_000_000, atMs: 80_000 })).toBe(
      'projected 999,500 of 1,000,000 events (99 %), 12,494 events/s, finishing',
    );
  });

  it('says nothing at the head', () => {
    expect(progressLine({ position: 0, atMs: 0 }, { position: 5_000, head: 5_000, atMs: 3_000 })).toBeNull();
  });

  it('measures a later catch-up from the last time it was at the head, not from the start', () => {
    const progress = new Progress(0, 0);
    expect(progress.line({ position: 1_000, head: 1_000, atMs: 10_000 })).toBeNull();
    // An hour at the head, then 20,000 events behind: the rate is this catch-up's, not an hour's average.
    expect(progress.line({ position: 1_000, head: 1_000, atMs: 3_600_000 })).toBeNull();
    expect(progress.line({ position: 11_000, head: 21_000, atMs: 3_610_000 })).toBe('projected 11,000 of 21,000 events (50 %), 1,000 events/s, about 10 s to go');
  });

  it('rounds durations to what an operator reads at a glance', () => {
    expect(roughly(0)).toBe('0 s');
    expect(roughly(119_400)).toBe('119 s');
    expect(roughly(150_000)).toBe('3 min');
  });
});
