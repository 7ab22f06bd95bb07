import { describe, expect, it } from 'vitest';
import { bucketsBefore } from '../../src/projections/statistics.js';

describe('statistics buckets before a day', () => {
  it('are the earlier years, the earlier months of its year and the earlier days of its month', () => {
    const ids = bucketsBefore('2017-03-03');
    expect(ids.filter((id) => id.startsWith('y:')).at(-1)).toBe('y:2016');
    expect(ids).toContain('y:2014');
    expect(ids.filter((id) => id.startsWith('m:'))).toEqual(['m:2017-01', 'm:2017-02']);
    expect(ids.filter((id) => id.startsWith('d:'))).toEqual(['d:2017-03-01', 'd:2017-03-02']);
    expect(ids).not.toContain('y:2017');
  });

  it('on the first day of a year are only the earlier years', () => {
    const ids = bucketsBefore('2015-01-01');
    expect(ids.every((id) => id.startsWith('y:'))).toBe(true);
    expect(ids.at(-1)).toBe('y:2014');
  });
});
