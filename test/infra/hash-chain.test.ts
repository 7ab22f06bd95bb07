import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonWith, chainHash, chainHashRaw, envelopeHash } from '../../src/infra/hash-chain.js';

describe('hash chain', () => {
  it('hashes an envelope with pre-encoded data and metadata exactly like the whole envelope', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.string(), fc.integer(), fc.string({ minLength: 64, maxLength: 64 }), (data, metadata, id, revision, prev) => {
        const head = { id, type: 'T', stream: 's-1', revision, position: revision + 1, recordedAt: 'r', occurredAt: 'o' };
        const dataJson = canonicalJson(data);
        const metadataJson = canonicalJson(metadata);
        expect(canonicalJsonWith(head, { data: dataJson, metadata: metadataJson })).toBe(canonicalJson({ ...head, data, metadata }));
        expect(chainHashRaw(prev, head, dataJson, metadataJson)).toBe(chainHash(prev, { ...head, data, metadata }));
      }),
    );
  });

  it('hashes the log envelope by its fixed key order exactly like the generic encoding', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constant('含"引号"\\与\n换行'));
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), text, text, text, fc.option(text, { nil: undefined }), fc.integer(), fc.nat(), text, fc.string({ minLength: 64, maxLength: 64 }), (data, metadata, id, type, stream, occurredAt, revision, position, recordedAt, prev) => {
        const dataJson = canonicalJson(data);
        const metadataJson = canonicalJson(metadata);
        const head = { id, type, occurredAt, stream, revision, position, recordedAt };
        expect(envelopeHash(prev, id, type, occurredAt, stream, revision, position, recordedAt, dataJson, metadataJson)).toBe(chainHashRaw(prev, head, dataJson, metadataJson));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys at every level and gives equal text for equal values', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});
