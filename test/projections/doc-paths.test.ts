import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDocOp, checkDocOp } from '../../src/infra/embedded-read-store.js';
import { decodeKey, encodeKey, historyArray, utc } from '../../src/projections/doc-paths.js';
import { isoTexts } from '../domain/iso-texts.js';

describe('ids as path segments', () => {
  it('encodes dots, dollars and percents reversibly', () => {
    for (const id of ['n-1.91440300MA5DXXXX1A', '$where', 'a%2Eb', '%', '', 'plain-uuid-1234', '..', 'a\u0000b', '\u0000']) {
      const key = encodeKey(id);
      expect(/[.$]/.test(key) || key.includes('\u0000')).toBe(false);
      expect(key).not.toBe('');
      expect(decodeKey(key)).toBe(id);
    }
    expect(encodeKey('n-1.X')).toBe('n-1%2EX');
    expect(encodeKey('软件\u0000')).toBe('软件%00');
  });

  it('never gives a key naming an Object.prototype member, and reverses every one; any text reverses', () => {
    for (const id of [...Object.getOwnPropertyNames(Object.prototype), 'prototype', 'constructor.x', '%5F_proto__']) {
      const key = encodeKey(id);
      expect(Object.hasOwn(Object.prototype, key)).toBe(false);
      expect(decodeKey(key)).toBe(id);
    }
    expect(encodeKey('__proto__')).toBe('%5F_proto__');
    fc.assert(fc.property(fc.string(), (id) => decodeKey(encodeKey(id)) === id && !Object.hasOwn(Object.prototype, encodeKey(id))));
  });

  it('refuses a path with a NUL, as MongoDB would (its keys are C strings)', () => {
    expect(() => checkDocOp({ collection: 'c', id: 'd', position: 1, inc: { 'c.byIndustry.a\u0000b': 1 } })).toThrow(/bad path/);
    expect(() => checkDocOp({ collection: 'c', id: 'd', position: 1, inc: { [`c.byIndustry.${encodeKey('a\u0000b')}`]: 1 } })).not.toThrow();
  });

  it('keeps an encoded id one level deep in a document', () => {
    const id = 'n-1.91440300MA5DXXXX1A';
    const op = { collection: 'c', id: 'd', position: 1, set: { [`objections.${encodeKey(id)}.open`]: true } };
    expect(() => checkDocOp(op)).not.toThrow();
    expect(applyDocOp(undefined, op)).toEqual({ _id: 'd', _position: 1, objections: { [encodeKey(id)]: { open: true } } });
  });
});

describe('histories and times', () => {
  it('orders history entries by position, whatever the key order', () => {
    expect(historyArray({ p10: { position: 10, v: 'b' }, p9: { position: 9, v: 'a' }, p100: { position: 100, v: 'c' } })).toEqual([
      { position: 9, v: 'a' },
      { position: 10, v: 'b' },
      { position: 100, v: 'c' },
    ]);
    expect(historyArray(undefined)).toEqual([]);
  });

  it('normalises instants to UTC so strings sort like times', () => {
    expect(utc('2026-01-06T08:00:00+08:00')).toBe('2026-01-06T00:00:00.000Z');
    expect(utc('not a time')).toBe('not a time');
  });

  it('answers as parsing and printing would, for times already in UTC and for near misses', () => {
    const slow = (s: string) => {
      const ms = Date.parse(s);
      return Number.isNaN(ms) ? s : new Date(ms).toISOString();
    };
    fc.assert(
      fc.property(isoTexts, (s) => {
        expect(utc(s)).toBe(slow(s));
      }),
      { numRuns: 20_000 },
    );
    for (const s of ['2017-02-29T00:00:00.000Z', '2016-02-29T00:00:00.000Z', '2000-02-29T12:00:00.000Z', '1900-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-01-01T24:00:00.000Z']) {
      expect(utc(s)).toBe(slow(s));
    }
  });
});
