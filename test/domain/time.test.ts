import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cstDay, parseAsOf } from '../../src/domain/time.js';
import { isoTexts } from './iso-texts.js';

describe('China Standard Time days', () => {
  it('puts 16:00 UTC on the next CST day', () => {
    expect(cstDay('2017-09-30T15:59:59.999Z')).toBe('2017-09-30');
    expect(cstDay('2017-09-30T16:00:00.000Z')).toBe('2017-10-01');
  });

  it('answers as the date arithmetic would, for any time text (a canonical one is read off before 16:00 UTC)', () => {
    const slow = (s: string) => {
      try {
        return new Date(Date.parse(s) + 8 * 3600_000).toISOString().slice(0, 10);
      } catch {
        return 'throws';
      }
    };
    const fast = (s: string) => {
      try {
        return cstDay(s);
      } catch {
        return 'throws';
      }
    };
    fc.assert(
      fc.property(isoTexts, (s) => {
        expect(fast(s)).toBe(slow(s));
      }),
      { numRuns: 20_000 },
    );
    for (const s of ['2017-02-29T00:00:00.000Z', '2016-02-29T15:59:59.999Z', '2026-04-31T00:00:00.000Z', '2026-01-01T24:00:00.000Z']) expect(fast(s)).toBe(slow(s));
  });

  it('reads a bare date as the end of that day in CST', () => {
    expect(parseAsOf('2017-09-30')).toBe('2017-09-30T15:59:59.999Z');
  });

  it('reads an instant with its offset and answers in UTC', () => {
    expect(parseAsOf('2017-09-30T12:00:00+08:00')).toBe('2017-09-30T04:00:00.000Z');
  });

  it('refuses impossible and malformed dates', () => {
    for (const bad of ['2017-02-30', '2017-13-01', '2017-9-30', 'yesterday', '', '2017-09-30Tnoon']) expect(parseAsOf(bad)).toBeNull();
  });

  it('refuses a time without its offset (it would be read in the server’s zone) and an impossible time', () => {
    for (const bad of ['2017-09-30T10:00', '2017-09-30T10:00:00', '2017-09-30T10:00:00.000', '2017-02-30T10:00:00Z', '2017-09-30T24:00:00+08:00']) expect(parseAsOf(bad)).toBeNull();
    expect(parseAsOf('2017-09-30T10:00Z')).toBe('2017-09-30T10:00:00.000Z');
    expect(parseAsOf('2017-09-30T18:00:00+0800')).toBe('2017-09-30T10:00:00.000Z');
    expect(parseAsOf('2017-09-30T10:00:00z')).toBe('2017-09-30T10:00:00.000Z');
  });
});
