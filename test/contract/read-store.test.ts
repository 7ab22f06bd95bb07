// One contract for every ReadStore adapter: the embedded store (in memory and on disk) always, MongoDB
// when MONGO_URL is set. Projections are written against this behaviour, whichever store runs them.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedReadStore, applyDocOp } from '../../src/infra/embedded-read-store.js';
import { Unavailable } from '../../src/infra/event-store.js';
import { MongoReadStore, mongoGuard, mongoUpdate } from '../../src/infra/mongo-read-store.js';
import type { Doc, DocOp, ExportChunk, ReadStore } from '../../src/infra/read-store.js';

interface Adapter {
  /** Whether reopen() is possible (the storage outlives the store). */
  persistent: boolean;
  /** The embedded file's log-collection indexes as they stand (dropped during a bulk, made again after it). */
  logIndexes?: () => Promise<string[]>;
  /** Whether `unique` indexes are enforced (MongoDB; the embedded store takes them as hints). */
  enforcesUnique?: boolean;
  /** Whether several stores may use the storage at once (MongoDB: instances of the platform share it). */
  shared?: boolean;
  /** The keys of the indexes a collection has in the storage (where they can be listed), each as `field:direction,…`. */
  indexKeys?: (collection: string) => Promise<string[]>;
  /** A store over fresh, empty storage. */
  fresh(): Promise<ReadStore>;
  /** Another store over the storage of the last fresh() one. */
  reopen(): Promise<ReadStore>;
  cleanup?(): Promise<void>;
}

const P = 'projects';
const S = 'stats';
const fixtures = [
  { id: 'p1', name: '南山科技园创新大厦', district: 'nanshan', area: 1200, rent: 180, tags: ['研发', '办公'], street: '粤海街道' },
  { id: 'p2', name: '宝安智造产业园', district: 'baoan', area: 5000, rent: 45, tags: ['厂房', '仓储'], street: '福永街道' },
  { id: 'p3', name: '龙岗天安数码城', district: 'longgang', area: 800, rent: 60, tags: ['研发', '厂房'], street: '坂田街道' },
  { id: 'p4', name: '南山科技园南区', district: 'nanshan', area: 300, rent: 220, tags: ['办公'], street: '粤海街道' },
  { id: 'p5', name: '光明科学城', district: 'guangming', area: 2500, rent: 70, tags: ['研发', '厂房', '仓储'], street: '凤凰街道' },
];
// Event i creates project i and bumps the shared statistics document: two documents, one op each.
const batch: DocOp[] = fixtures.flatMap(({ id, street, ...data }, i) => [
  { collection: P, id, position: i + 1, set: { ...data, address: { street, city: '深圳' } } },
  { collection: S, id: 'all', position: i + 1, inc: { listings: 1, 'area.total': data.area }, setOnInsert: { since: i + 1 } },
]);

const ids = (docs: Doc[]) => docs.map((d) => d._id).sort();
const everything = async (store: ReadStore) => [...(await store.find(P, {}, { sort: { _id: 1 } })), ...(await store.find(S, {}))];
// A deep copy, so the comparison cannot pass merely because both sides are the same objects.
const snapshot = async (store: ReadStore) => structuredClone(await everything(store));

function readStoreContract(name: string, adapter: Adapter, skip = false) {
  (skip ? describe.skip : describe)(name, () => {
    let store: ReadStore;
    beforeEach(async () => {
      store = await adapter.fresh();
    });
    afterEach(() => store.close());
    afterAll(async () => adapter.cleanup?.());

    it('finds and counts with $eq, $in, ranges and dotted paths', async () => {
      await store.commit('search', batch, 10);
      const cases: [Record<string, unknown>, string[]][] = [
        [{ district: 'nanshan' }, ['p1', 'p4']],
        [{ district: { $in: ['baoan', 'guangming'] } }, ['p2', 'p5']],
        [{ area: { $gte: 800, $lte: 2500 } }, ['p1', 'p3', 'p5']],
        [{ 'address.street': '粤海街道', rent: { $gt: 200 } }, ['p4']],
        [{ district: 'futian' }, []],
      ];
      for (const [filter, expected] of cases) {
        expect(ids(await store.find(P, filter))).toEqual(expected);
        expect(await store.count(P, filter)).toBe(expected.length);
      }
      expect((await store.findOne(P, { _id: 'p3' }))?.name).toBe('龙岗天安数码城');
      expect(await store.findOne(P, { district: 'futian' })).toBeNull();
    });

    it('matches Chinese text with $regex and arrays with $all or a single element', async () => {
      await store.commit('search', batch, 10);
      expect(ids(await store.find(P, { name: { $regex: '科技园' } }))).toEqual(['p1', 'p4']);
      expect(ids(await store.find(P, { name: { $regex: '^光明' } }))).toEqual(['p5']);
      expect(ids(await store.find(P, { tags: { $all: ['研发', '厂房'] } }))).toEqual(['p3', 'p5']);
      expect(ids(await store.find(P, { tags: '仓储' }))).toEqual(['p2', 'p5']);
    });

    it('sorts, skips, limits and projects', async () => {
      await store.commit('search', batch, 10);
      const byRent = await store.find(P, {}, { sort: { rent: -1 } });
      expect(byRent.map((d) => d._id)).toEqual(['p4', 'p1', 'p5', 'p3', 'p2']);
      const page = await store.find(P, {}, { sort: { rent: -1 }, skip: 1, limit: 2 });
      expect(page.map((d) => d._id)).toEqual(['p1', 'p5']);
      const twoKeys = await store.find(P, {}, { sort: { district: 1, area: -1 } });
      expect(twoKeys.map((d) => d._id)).toEqual(['p2', 'p5', 'p3', 'p1', 'p4']);
      const projected = await store.find(P, { _id: 'p2' }, { projection: { name: 1 } });
      expect(projected).toEqual([{ _id: 'p2', name: '宝安智造产业园' }]);
    });

    it('streams a sorted answer in pages of at most batchSize, the same documents as find', async () => {
      await store.commit('search', batch, 10);
      const pages: Doc[][] = [];
      for await (const page of store.stream(P, { area: { $gte: 500 } }, { sort: { rent: -1 }, batchSize: 2 })) pages.push(page);
      expect(pages.every((p) => p.length >= 1 && p.length <= 2)).toBe(true);
      expect(pages.flat().map((d) => d._id)).toEqual(['p1', 'p5', 'p3', 'p2']);
      const projected: Doc[] = [];
      for await (const page of store.stream(P, { district: 'nanshan' }, { sort: { _id: 1 }, projection: { name: 1 } })) projected.push(...page);
      expect(projected).toEqual([
        { _id: 'p1', name: '南山科技园创新大厦' },
        { _id: 'p4', name: '南山科技园南区' },
      ]);
      let none = 0;
      for await (const page of store.stream(P, { district: 'futian' })) none += page.length;
      expect(none).toBe(0);
    });

    it('answers a repeated query anew after every commit that changes its answer', async () => {
      await store.commit('search', batch, 10);
      const q = { district: 'nanshan' };
      const sorted = { sort: { rent: -1 as const } };
      expect(await store.count(P, q)).toBe(2);
      expect((await store.find(P, q, sorted)).map((d) => d._id)).toEqual(['p4', 'p1']);
      expect((await store.findOne(P, { _id: 'p3' }))?.district).toBe('longgang');
      // p3 moves to Nanshan and becomes the dearest; p1 leaves.
      await store.commit('search', [
        { collection: P, id: 'p3', position: 11, set: { district: 'nanshan', rent: 300 } },
        { collection: P, id: 'p1', position: 12, set: { district: 'futian' } },
        { collection: P, id: 'p6', position: 13, set: { district: 'nanshan', rent: 1 } },
      ], 13);
      expect(await store.count(P, q)).toBe(3);
      expect((await store.find(P, q, sorted)).map((d) => d._id)).toEqual(['p3', 'p4', 'p6']);
      expect((await store.find(P, q, { ...sorted, skip: 1, limit: 1 })).map((d) => d._id)).toEqual(['p4']);
      expect((await store.findOne(P, { _id: 'p3' }))?.district).toBe('nanshan');
      const byDistrict = [{ $group: { _id: '$district', n: { $sum: 1 } } }, { $sort: { _id: 1 } }];
      expect(await store.aggregate(P, byDistrict)).toContainEqual({ _id: 'nanshan', n: 3 });
      await store.commit('search', [{ collection: P, id: 'p6', position: 14, set: { district: 'futian' } }], 14);
      expect(await store.aggregate(P, byDistrict)).toContainEqual({ _id: 'nanshan', n: 2 });
      await store.reset('search', [P]);
      expect(await store.count(P, q)).toBe(0);
      expect(await store.findOne(P, { _id: 'p3' })).toBeNull();
    });

    it('aggregates with $match, $group/$sum and $unwind', async () => {
      await store.commit('search', batch, 10);
      const byDistrict = await store.aggregate(P, [
        { $match: { 'address.city': '深圳', area: { $gte: 300 } } },
        { $group: { _id: '$district', area: { $sum: '$area' }, n: { $sum: 1 } } },
      ]);
      expect(Object.fromEntries(byDistrict.map((g) => [g._id, [g.area, g.n]]))).toEqual({
        nanshan: [1500, 2], baoan: [5000, 1], longgang: [800, 1], guangming: [2500, 1],
      });
      const byTag = await store.aggregate(P, [{ $unwind: '$tags' }, { $group: { _id: '$tags', n: { $sum: 1 } } }]);
      expect(Object.fromEntries(byTag.map((g) => [g._id, g.n]))).toEqual({ 研发: 3, 办公: 2, 厂房: 3, 仓储: 2 });
    });

    it('replaying a batch, whole or in part, changes nothing (counters included)', async () => {
      await store.commit('search', batch, 10);
      const once = await snapshot(store);
      expect(once.find((d) => d._id === 'all')).toMatchObject({ listings: 5, area: { total: 9800 }, since: 1, _position: 5 });
      await store.commit('search', batch, 10);
      await store.commit('search', batch.slice(3), 10);
      expect(await everything(store)).toEqual(once);
    });

    it('ignores an op at or below the document position and applies a later one', async () => {
      const rent = (position: number, value: number): DocOp => ({ collection: P, id: 'p1', position, set: { rent: value } });
      await store.commit('search', [rent(10, 100)], 10);
      await store.commit('search', [rent(10, 1), rent(9, 2)], 10);
      expect(await store.findOne(P, { _id: 'p1' })).toEqual({ _id: 'p1', rent: 100, _position: 10 });
      await store.commit('search', [rent(11, 3)], 11);
      expect(await store.findOne(P, { _id: 'p1' })).toEqual({ _id: 'p1', rent: 3, _position: 11 });
    });

    it('applies several ops on one document in one batch in order', async () => {
      const ops: DocOp[] = [1, 2, 3].map((position) => ({ collection: S, id: 'm', position, inc: { n: 1 }, set: { last: position } }));
      await store.commit('stats', ops, 3);
      expect(await store.findOne(S, { _id: 'm' })).toEqual({ _id: 'm', n: 3, last: 3, _position: 3 });
    });

    it('uses setOnInsert only when creating the document, and lets set win on a shared path', async () => {
      await store.commit('stats', [
        { collection: S, id: 'm:2024-05', position: 1, inc: { n: 1 }, setOnInsert: { kind: 'month', createdBy: 1 } },
        { collection: S, id: 'm:2024-05', position: 2, inc: { n: 1 }, setOnInsert: { kind: 'day', createdBy: 2 } },
        {
          collection: S, id: 'x', position: 3,
          set: { status: 'draft', 'meta.note': 'y' }, setOnInsert: { status: 'new', meta: { origin: 'import', note: 'x' } },
        },
      ], 3);
      expect(await store.findOne(S, { _id: 'm:2024-05' })).toEqual({ _id: 'm:2024-05', kind: 'month', createdBy: 1, n: 2, _position: 2 });
      expect(await store.findOne(S, { _id: 'x' })).toEqual({
        _id: 'x', status: 'draft', meta: { origin: 'import', note: 'y' }, _position: 3,
      });
    });

    it('unsets top-level and nested fields, ignoring missing ones', async () => {
      const units = { u1: { area: 10 }, u2: { area: 20 } };
      await store.commit('search', [{ collection: P, id: 'p', position: 1, set: { a: 1, b: 2, units } }], 1);
      await store.commit('search', [{ collection: P, id: 'p', position: 2, unset: ['a', 'units.u1', 'no.such.path'] }], 2);
      expect(await store.findOne(P, { _id: 'p' })).toEqual({ _id: 'p', b: 2, units: { u2: { area: 20 } }, _position: 2 });
      expect(await store.count(P, { 'units.u1': { $exists: true } })).toBe(0);
    });

    it('creates nested objects for dotted set and inc, inc starting from 0', async () => {
      const op = (position: number, by: number): DocOp => ({
        collection: S, id: 'd', position, set: { 'by.nanshan.label': '南山区' }, inc: { 'by.nanshan.count': by, total: by },
      });
      await store.commit('stats', [op(1, 2), op(2, 3)], 2);
      expect(await store.findOne(S, { _id: 'd' })).toEqual({
        _id: 'd', by: { nanshan: { label: '南山区', count: 5 } }, total: 5, _position: 2,
      });
      expect(await store.count(S, { 'by.nanshan.count': 5 })).toBe(1);
    });

    it('keeps a field named like an Object.prototype member as data, in set, inc and queries', async () => {
      await store.commit('stats', [
        { collection: S, id: 'm', position: 1, set: { 'by.constructor.label': 'c' }, inc: { 'by.toString.count': 2, valueOf: 1 } },
        { collection: S, id: 'm', position: 2, inc: { 'by.toString.count': 3, 'by.constructor.count': 1 } },
      ], 2);
      expect(await store.findOne(S, { _id: 'm' })).toEqual({ _id: 'm', by: { constructor: { label: 'c', count: 1 }, toString: { count: 5 } }, valueOf: 1, _position: 2 });
      expect(await store.count(S, { 'by.toString.count': 5 })).toBe(1);
    });

    it('rejects a batch with an op writing one path twice or a store field, applying none of it', async () => {
      const good: DocOp = { collection: P, id: 'ok', position: 1, set: { a: 1 } };
      const bad = (change: Partial<DocOp>): DocOp[] => [good, { collection: P, id: 'bad', position: 2, ...change }];
      await expect(store.commit('search', bad({ set: { a: 1 }, inc: { a: 1 } }), 2)).rejects.toThrow(/conflict/);
      await expect(store.commit('search', bad({ set: { a: 1 }, unset: ['a'] }), 2)).rejects.toThrow(/conflict/);
      await expect(store.commit('search', bad({ set: { a: { b: 1 }, 'a.b': 2 } }), 2)).rejects.toThrow(/conflict/);
      await expect(store.commit('search', bad({ inc: { 'c.a': 1, 'c.a.b': 1 } }), 2)).rejects.toThrow(/conflict/);
      await expect(store.commit('search', bad({ set: { _position: 9 } }), 2)).rejects.toThrow(/managed/);
      await expect(store.commit('search', bad({ set: { 'a.__proto__.b': 1 } }), 2)).rejects.toThrow(/__proto__/);
      await expect(store.commit('search', bad({ inc: { '__proto__.open': 1 } }), 2)).rejects.toThrow(/__proto__/);
      expect(({} as Record<string, unknown>).b ?? ({} as Record<string, unknown>).open).toBeUndefined();
      expect(await store.count(P, {})).toBe(0);
      expect(await store.getCheckpoint('search')).toBe(0);
    });

    it('stores checkpoints per name, 0 when never stored', async () => {
      expect(await store.getCheckpoint('search')).toBe(0);
      await store.commit('search', [], 42);
      await store.commit('stats', [], 7);
      expect(await store.getCheckpoint('search')).toBe(42);
      expect(await store.getCheckpoint('stats')).toBe(7);
    });

    it('reset drops the given collections and that checkpoint only', async () => {
      await store.commit('search', batch.filter((op) => op.collection === P), 5);
      await store.commit('stats', batch.filter((op) => op.collection === S), 5);
      await store.reset('search', [P]);
      expect(await store.count(P, {})).toBe(0);
      expect(await store.getCheckpoint('search')).toBe(0);
      expect(await store.count(S, {})).toBe(1);
      expect(await store.getCheckpoint('stats')).toBe(5);
      // The rebuild starts from nothing, so the guard lets every op in again.
      await store.commit('search', batch.filter((op) => op.collection === P), 5);
      expect(await store.count(P, {})).toBe(5);
    });

    it('hands out documents whose changes by the caller never reach the store', async () => {
      await store.commit('search', batch, 10);
      const before = await snapshot(store);
      const [found] = await store.find(P, { _id: 'p1' });
      const one = await store.findOne(P, { _id: 'p2' });
      const [group] = await store.aggregate(P, [{ $match: { _id: 'p3' } }]);
      // Either refused (the embedded store shares frozen documents) or applied to the caller's copy only.
      const attempt = (change: () => void) => {
        try {
          change();
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError);
        }
      };
      for (const doc of [found, one, group] as Record<string, unknown>[]) {
        attempt(() => (doc.name = 'x'));
        attempt(() => (doc.tags as string[]).push('x'));
        attempt(() => ((doc.address as Record<string, unknown>).street = 'x'));
      }
      expect(await everything(store)).toEqual(before);
    });

    it('accepts index specs and keeps indexed queries right as documents change', async () => {
      await store.commit('search', batch, 10);
      await store.ensureIndexes([
        { collection: P, keys: { district: 1 } },
        { collection: P, keys: { tags: 1 } },
        { collection: P, keys: { 'units.area': 1 } },
        { collection: P, keys: { 'address.street': 1, rent: -1 } },
        { collection: P, keys: { location: '2dsphere' } },
        { collection: 'users', keys: { email: 1 }, unique: true },
      ]);
      await store.ensureIndexes([{ collection: P, keys: { district: 1 } }]); // idempotent
      expect(ids(await store.find(P, { tags: '厂房' }))).toEqual(['p2', 'p3', 'p5']);
      expect(ids(await store.find(P, { district: { $in: ['nanshan', 'baoan'] }, rent: { $lt: 200 } }))).toEqual(['p1', 'p2']);
      await store.commit('search', [
        { collection: P, id: 'p1', position: 11, set: { district: 'futian', units: [{ area: 10 }, { area: 20 }] } },
      ], 11);
      expect(ids(await store.find(P, { district: 'nanshan' }))).toEqual(['p4']);
      expect(ids(await store.find(P, { district: { $eq: 'futian' } }))).toEqual(['p1']);
      expect(await store.count(P, { 'units.area': 20 })).toBe(1);
      expect(ids(await store.find(P, { 'address.street': '粤海街道' }))).toEqual(['p1', 'p4']);
    });

    it('in bulk mode gives the same documents and indexed answers, and shares nothing writable after it', async () => {
      const plain = await adapter.fresh();
      const later: DocOp[] = [
        { collection: P, id: 'p1', position: 11, set: { district: 'futian', 'address.street': '福田街道' } },
        { collection: P, id: 'p4', position: 12, set: { district: 'baoan' }, unset: ['tags'] },
        { collection: S, id: 'all', position: 12, inc: { listings: 1 } },
      ];
      for (const s of [store, plain]) await s.ensureIndexes([{ collection: P, keys: { district: 1 } }]);
      await plain.commit('search', batch, 10);
      await plain.commit('search', later, 12);
      const expected = await snapshot(plain);
      await plain.close();
      if (adapter.persistent) {
        // MongoDB's fresh() empties the one database both used: start this store anew after it.
        await store.close();
        store = await adapter.fresh();
      }
      await store.ensureIndexes([{ collection: P, keys: { district: 1 } }]);
      await store.setBulk(true);
      await store.commit('search', batch, 10);
      expect(ids(await store.find(P, { district: 'nanshan' }))).toEqual(['p1', 'p4']);
      await store.commit('search', later, 12);
      await store.commit('search', later, 12); // a replay changes nothing, in bulk mode too
      expect(ids(await store.find(P, { district: 'nanshan' }))).toEqual([]);
      expect(ids(await store.find(P, { district: 'baoan' }))).toEqual(['p2', 'p4']);
      await store.setBulk(false);
      expect(await everything(store)).toEqual(expected);
      // The indexes hold what the bulk wrote (the embedded store builds them again when it ends).
      expect(ids(await store.find(P, { district: 'baoan' }))).toEqual(['p2', 'p4']);
      expect(ids(await store.find(P, { district: 'futian' }))).toEqual(['p1']);
      const [found] = await store.find(P, { _id: 'p1' });
      try {
        (found as Record<string, unknown>).district = 'x';
      } catch (e) {
        expect(e).toBeInstanceOf(TypeError); // the embedded store froze it when the bulk ended
      }
      expect(await everything(store)).toEqual(expected);
      // …and keep up after it.
      await store.commit('search', [{ collection: P, id: 'p2', position: 13, set: { district: 'futian' } }], 13);
      expect(ids(await store.find(P, { district: 'futian' }))).toEqual(['p1', 'p2']);
      expect(ids(await store.find(P, { district: 'baoan' }))).toEqual(['p4']);
    });

    it('keeps named values with the checkpoints (the log identity), null when never set', async () => {
      expect(await store.getMeta('log-identity:projections')).toBeNull();
      await store.setMeta('log-identity:projections', 'log-a');
      await store.setMeta('log-identity:projections', 'log-b');
      expect(await store.getMeta('log-identity:projections')).toBe('log-b');
      if (adapter.persistent) {
        await store.close();
        store = await adapter.reopen();
        expect(await store.getMeta('log-identity:projections')).toBe('log-b');
      }
    });

    if (adapter.enforcesUnique) {
      it('treats a duplicate key on another unique index as an error, not as an op already applied', async () => {
        await store.ensureIndexes([{ collection: P, keys: { code: 1 }, unique: true }]);
        await store.commit('search', [{ collection: P, id: 'u1', position: 1, set: { code: 'same' } }], 1);
        await expect(store.commit('search', [{ collection: P, id: 'u2', position: 2, set: { code: 'same' } }], 2)).rejects.toThrow();
        expect(await store.getCheckpoint('search')).toBe(1);
        // While a replay of an op already applied (same _id, older position) is skipped quietly.
        await store.commit('search', [{ collection: P, id: 'u1', position: 1, set: { code: 'same' } }], 1);
        expect(await store.count(P, {})).toBe(1);
      });
    }

    describe('log collections (append-only: written once, by one set)', () => {
      const L = 'trail';
      const entries = Array.from({ length: 40 }, (_, i) => ({
        collection: L,
        id: String(i + 1).padStart(4, '0'),
        position: i + 1,
        set: { actor: `a${i % 3}`, kind: i % 2 === 0 ? 'even' : 'odd', at: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`, n: i, who: { role: i % 4 === 0 ? 'admin' : 'officer' }, note: i === 5 ? undefined : `第${i}条` },
      }));
      const declare = async (s: ReadStore) => {
        await s.declareLogCollections([L]);
        await s.ensureIndexes([
          { collection: L, keys: { actor: 1, _id: -1 } },
          { collection: L, keys: { at: 1 } },
        ]);
      };
      const idsOf = (docs: Doc[]) => docs.map((d) => d._id);
      const expected = (test: (e: (typeof entries)[number]) => boolean) => entries.filter(test).map((e) => e.id);

      it('answers equality, $in, ranges, residual conditions, sorts, pages and counts like any collection', async () => {
        await declare(store);
        await store.commit('trail', entries.slice(0, 25), 25);
        await store.commit('trail', entries.slice(25), 40);
        const newest = { _id: -1 } as const;
        expect(idsOf(await store.find(L, { actor: 'a1' }, { sort: newest, limit: 5 }))).toEqual(expected((e) => e.set.actor === 'a1').reverse().slice(0, 5));
        expect(await store.count(L, { actor: 'a1' })).toBe(expected((e) => e.set.actor === 'a1').length);
        expect(idsOf(await store.find(L, { actor: { $in: ['a0', 'a2'] }, kind: 'odd' }, { sort: newest, skip: 2, limit: 3 }))).toEqual(
          expected((e) => e.set.actor !== 'a1' && e.set.kind === 'odd').reverse().slice(2, 5),
        );
        const inJanuary = (e: (typeof entries)[number]) => e.set.at >= '2026-01-10' && e.set.at <= '2026-01-12';
        expect(idsOf(await store.find(L, { at: { $gte: '2026-01-10', $lte: '2026-01-12' } }, { sort: { _id: 1 } }))).toEqual(expected(inJanuary));
        // A number range never matches strings, nor a string range numbers (as in MongoDB).
        expect(await store.count(L, { at: { $gte: 0 } })).toBe(0);
        expect(await store.count(L, { n: { $gte: '0' } })).toBe(0);
        expect(await store.count(L, { n: { $gte: 30 } })).toBe(10);
        // Residual (not said in SQL): a regex, a nested object path, $or.
        expect(idsOf(await store.find(L, { note: { $regex: '^第1' } }, { sort: { _id: 1 } }))).toEqual(expected((e) => /^第1/.test(e.set.note ?? '')));
        expect(await store.count(L, { 'who.role': 'admin', actor: 'a0' })).toBe(entries.filter((e) => e.set.who.role === 'admin' && e.set.actor === 'a0').length);
        expect(await store.count(L, { $or: [{ actor: 'a0' }, { n: 1 }] })).toBe(entries.filter((e) => e.set.actor === 'a0' || e.set.n === 1).length);
        expect(idsOf(await store.find(L, { $or: [{ actor: 'a0' }, { n: 1 }] }, { sort: { n: -1 }, limit: 2 }))).toEqual(['0040', '0037']);
        // undefined is stored as null and matches null.
        expect(idsOf(await store.find(L, { note: null }))).toEqual(['0006']);
        expect(await store.findOne(L, { _id: '0007' })).toMatchObject({ _id: '0007', n: 6, _position: 7 });
        expect(await store.find(L, { _id: { $in: [7, 8] } })).toEqual([]); // a number is not the id '0007'
        // An empty $in matches nothing, on an indexed field, the id or another, with other conditions or not.
        for (const f of [{ _id: { $in: [] } }, { actor: { $in: [] } }, { at: { $in: [], $gte: '2026-01-01' } }, { kind: 'odd', note: { $in: [] } }]) {
          expect([f, await store.find(L, f), await store.count(L, f)]).toEqual([f, [], 0]);
        }
        const pages: string[][] = [];
        for await (const page of store.stream(L, { kind: 'even' }, { sort: newest, batchSize: 7 })) pages.push(idsOf(page));
        expect(pages.map((p) => p.length)).toEqual([7, 7, 6]);
        expect(pages.flat()).toEqual(expected((e) => e.set.kind === 'even').reverse());
      });

      it('streams pages of batchSize through residual conditions, and a stream left early leaves the others be', async () => {
        await declare(store);
        await store.commit('trail', entries, 40);
        const newest = { _id: -1 } as const;
        const pages: string[][] = [];
        for await (const page of store.stream(L, { note: { $regex: '^第[12]' } }, { sort: newest, batchSize: 4 })) pages.push(idsOf(page));
        const matching = expected((e) => /^第[12]/.test(e.set.note ?? '')).reverse();
        expect(pages.flat()).toEqual(matching);
        expect(pages.map((p) => p.length)).toEqual([...Array(Math.floor(matching.length / 4)).fill(4), ...(matching.length % 4 ? [matching.length % 4] : [])]);
        const first = store.stream(L, {}, { sort: newest, batchSize: 5 });
        const both: string[][] = [];
        for await (const page of first) {
          both.push(idsOf(page));
          let n = 0;
          for await (const inner of store.stream(L, { actor: 'a1' }, { sort: newest, batchSize: 3 })) n += inner.length;
          expect(n).toBe(expected((e) => e.set.actor === 'a1').length);
          if (both.length === 2) break;
        }
        expect(both.flat()).toEqual(entries.map((e) => e.id).reverse().slice(0, 10));
        expect((await first[Symbol.asyncIterator]().next()).done).toBe(true); // left: it is over
        let all = 0;
        for await (const page of store.stream(L, {}, { batchSize: 16 })) all += page.length;
        expect(all).toBe(40);
      });

      it('appends numbered documents from text, with the checkpoint and other log ops, each written once; refuses bad text whole', async () => {
        await declare(store);
        const shown = `${L}_shown`;
        await store.declareLogCollections([shown]);
        const text = (objects: object[]) => new TextEncoder().encode(objects.map((o) => `${JSON.stringify(o)}\n`).join(''));
        const two = text([{ actor: 'a1', note: '第一条, "引号"' }, { actor: 'a2', who: { role: 'admin' } }]);
        await store.appendNumbered('reads', { collection: L, lines: two, first: 1, ops: [{ collection: shown, id: '0000000000000002:0', position: 2, set: { record: 'r9' } }] }, 2);
        expect(await store.find(L, {}, { sort: { _id: 1 } })).toEqual([
          { _id: '0000000000000001', seq: 1, actor: 'a1', note: '第一条, "引号"', _position: 1 },
          { _id: '0000000000000002', seq: 2, actor: 'a2', who: { role: 'admin' }, _position: 2 },
        ]);
        expect(await store.find(shown, {})).toEqual([{ _id: '0000000000000002:0', record: 'r9', _position: 2 }]);
        expect([await store.getCheckpoint('reads'), await store.count(L, { actor: 'a2' }), await store.count(L, { 'who.role': 'admin' })]).toEqual([2, 1, 1]);
        // The same numbers again (a replay) change nothing; the next go on. The caller's bytes stay its own.
        await store.appendNumbered('reads', { collection: L, lines: two, first: 1 }, 2);
        expect(two.byteLength).toBeGreaterThan(0);
        await store.appendNumbered('reads', { collection: L, lines: text([{ actor: 'a3' }]), first: 3 }, 3);
        await store.appendNumbered('reads', { collection: L, lines: new Uint8Array(0), first: 4 }, 3);
        expect((await store.find(L, {}, { sort: { _id: 1 } })).map((d) => [d._id, d.seq, d.actor])).toEqual([
          ['0000000000000001', 1, 'a1'],
          ['0000000000000002', 2, 'a2'],
          ['0000000000000003', 3, 'a3'],
        ]);
        // Refused before anything is written: no line feed at the end, a line that is no object, a number
        // below 1, a collection that is not a log collection.
        const bad = [
          { collection: L, lines: new TextEncoder().encode('{"actor":"a4"}'), first: 4 },
          { collection: L, lines: text([{ actor: 'a4' }, [1]]), first: 4 },
          { collection: L, lines: text([{ actor: 'a4' }]), first: 0 },
          { collection: P, lines: text([{ actor: 'a4' }]), first: 4 },
        ];
        for (const batch of bad) await expect(store.appendNumbered('reads', batch, 5)).rejects.toThrow();
        expect([await store.count(L, {}), await store.count(P, {}), await store.getCheckpoint('reads')]).toEqual([3, 0, 3]);
      });

      if (adapter.indexKeys) {
        it('drops the indexes a declared index takes the place of, in storage made before, and none else', async () => {
          const H = 'changes_log';
          await store.declareLogCollections([H]);
          await store.ensureIndexes([{ collection: H, keys: { at: 1 } }, { collection: H, keys: { docId: 1 } }]);
          await store.commit('changes', [{ collection: H, id: 'c1', position: 1, set: { at: '2026-01-01', docId: 'd', position: 1 } }], 1);
          await store.close();
          store = await adapter.reopen();
          await store.declareLogCollections([H]);
          await store.ensureIndexes([{ collection: H, keys: { at: 1, position: 1 }, replaces: [{ at: 1 }] }, { collection: H, keys: { docId: 1 } }]);
          await store.ensureIndexes([{ collection: H, keys: { at: 1, position: 1 }, replaces: [{ at: 1 }] }]); // again: nothing left to drop
          const keys = (await adapter.indexKeys!(H)).filter((k) => k !== '_id:1');
          expect(keys.sort()).toEqual(['at:1,position:1', 'docId:1']);
          expect(await store.count(H, { at: '2026-01-01' })).toBe(1);
        });
      }

      it('reserves numbers no writer gets twice: past the checkpoint, past every reservation, across instances sharing the store', async () => {
        const L = 'reserved_log';
        await store.declareLogCollections([L]);
        const line = (actor: string) => new TextEncoder().encode(`${JSON.stringify({ actor })}\n`);
        await store.appendNumbered('reads', { collection: L, lines: line('a1'), first: 1 }, 1);
        const other = adapter.shared ? await adapter.reopen() : store;
        const counts = [3, 1, 5, 2, 4, 1];
        const firsts = await Promise.all(counts.map((n, i) => (i % 2 === 0 ? store : other).reserveNumbers('reads', n)));
        const taken = counts.flatMap((n, i) => Array.from({ length: n }, (_, k) => firsts[i]! + k)).sort((a, b) => a - b);
        expect(taken).toEqual(Array.from({ length: 16 }, (_, k) => k + 2));
        // A reservation whose write never came leaves a gap; the next goes on past it, by the checkpoint too.
        await store.appendNumbered('reads', { collection: L, lines: line('a20'), first: 20 }, 20);
        expect(await other.reserveNumbers('reads', 1)).toBe(21);
        expect(await store.reserveNumbers('elsewhere', 2)).toBe(1);
        for (const bad of [0, -1, 1.5]) await expect(store.reserveNumbers('reads', bad)).rejects.toThrow();
        if (other !== store) await other.close();
      });

      const formats = new URL('./line-formats.mjs', import.meta.url).href;
      const textOf = (chunk: ExportChunk) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const lines = async (chunks: AsyncIterable<ExportChunk>) => {
        const out: string[] = [];
        for await (const chunk of chunks) out.push(textOf(chunk));
        return out;
      };

      it('exports lines in chunks of batchSize, in order, through exact and residual filters alike', async () => {
        await declare(store);
        await store.commit('trail', entries, 40);
        const newest = { _id: -1 } as const;
        const idLine = { module: formats, name: 'idLine' };
        const a1 = entries.filter((e) => e.set.actor === 'a1').reverse();
        const chunks = await lines(store.exportLines(L, { actor: 'a1' }, { sort: newest, batchSize: 4, format: idLine }));
        expect(chunks.map((c) => c.split('\n').length - 1)).toEqual([4, 4, 4, 1]);
        expect(chunks.join('')).toBe(a1.map((e) => `${e.id} ${e.set.kind}\n`).join(''));
        // A residual condition (mingo tests it), and a range with a sort on another field.
        const noted = entries.filter((e) => /^第[12]/.test(e.set.note ?? '')).reverse();
        expect((await lines(store.exportLines(L, { note: { $regex: '^第[12]' } }, { sort: newest, batchSize: 5, format: idLine }))).join('')).toBe(noted.map((e) => `${e.id} ${e.set.kind}\n`).join(''));
        const late = entries.filter((e) => e.set.at >= '2026-01-20').sort((x, y) => (x.set.at < y.set.at ? -1 : x.set.at > y.set.at ? 1 : x.id < y.id ? -1 : 1));
        expect((await lines(store.exportLines(L, { at: { $gte: '2026-01-20' } }, { sort: { at: 1 }, batchSize: 3, format: idLine }))).join('')).toBe(late.map((e) => `${e.id} ${e.set.kind}\n`).join(''));
        expect(await lines(store.exportLines(L, { actor: 'nobody' }, { sort: newest, format: idLine }))).toEqual([]);
        // Any collection, not only log ones.
        await store.commit('search', batch, 10);
        expect((await lines(store.exportLines(P, { district: 'nanshan' }, { sort: { _id: 1 }, format: idLine }))).join('')).toBe('p1 -\np4 -\n');
      });

      it('exports left early or failing: the error reaches the reader, and the next export is whole', async () => {
        await declare(store);
        await store.commit('trail', entries, 40);
        const newest = { _id: -1 } as const;
        for await (const chunk of store.exportLines(L, {}, { sort: newest, batchSize: 2, format: { module: formats, name: 'idLine' } })) {
          expect(textOf(chunk)).toBe('0040 odd\n0039 even\n');
          break;
        }
        await expect(lines(store.exportLines(L, {}, { sort: newest, batchSize: 2, format: { module: formats, name: 'failingLine' } }))).rejects.toThrow(/failed at n = 30/);
        await expect(lines(store.exportLines(L, {}, { format: { module: formats, name: 'noSuchLine' } }))).rejects.toThrow(/noSuchLine/);
        const all = await lines(store.exportLines(L, {}, { sort: newest, batchSize: 7, format: { module: formats, name: 'idLine' } }));
        expect(all.join('').split('\n').filter(Boolean)).toHaveLength(40);
      });

      it('ignores a replayed op, refuses a second write of a document and arrays, and resets', async () => {
        await declare(store);
        await store.commit('trail', entries.slice(0, 10), 10);
        await store.commit('trail', entries.slice(0, 10), 10);
        expect(await store.count(L, {})).toBe(10);
        await expect(store.commit('x', [{ collection: L, id: 'z', position: 12, set: { tags: ['a'] } }], 12)).rejects.toThrow(/array/);
        await expect(store.commit('x', [{ collection: L, id: 'z', position: 12, inc: { n: 1 } }], 12)).rejects.toThrow(/once/);
        // JSON data only (the embedded file's writer thread is handed the set itself): no function, no class instance.
        await expect(store.commit('x', [{ collection: L, id: 'z', position: 12, set: { f: () => 1 } }], 12)).rejects.toThrow(/JSON data/);
        await expect(store.commit('x', [{ collection: L, id: 'z', position: 12, set: { nested: { at: new Date(0) } } }], 12)).rejects.toThrow(/JSON data/);
        expect(await store.count(L, {})).toBe(10);
        // Last: on the file it is found by the writer, and a failed write stops the store (as it must).
        await expect(store.commit('trail', [{ collection: L, id: '0001', position: 11, set: { n: 99 } }], 11).then(() => store.count(L, {}))).rejects.toThrow(/written twice/);
      });

      if (adapter.persistent) {
        it('are found again by a store reopened only to be read (no declaration)', async () => {
          await declare(store);
          await store.commit('trail', entries, 40);
          await store.close();
          store = await adapter.reopen();
          expect(await store.count(L, { actor: 'a2' })).toBe(entries.filter((e) => e.set.actor === 'a2').length);
          expect(idsOf(await store.find(L, {}, { sort: { _id: -1 }, limit: 1 }))).toEqual(['0040']);
        });
      }

      it('answers the same in bulk mode and after it', async () => {
        await declare(store);
        await store.setBulk(true);
        await store.commit('trail', entries.slice(0, 25), 25);
        expect(idsOf(await store.find(L, { actor: 'a1' }, { sort: { _id: -1 }, limit: 3 }))).toEqual(expected((e) => e.set.actor === 'a1' && e.position <= 25).reverse().slice(0, 3));
        await store.commit('trail', entries.slice(25), 40);
        await store.setBulk(false);
        expect(idsOf(await store.find(L, { actor: 'a1' }, { sort: { _id: -1 }, limit: 3 }))).toEqual(expected((e) => e.set.actor === 'a1').reverse().slice(0, 3));
        expect(await store.count(L, { at: { $gte: '2026-01-10', $lte: '2026-01-12' } })).toBe(entries.filter((e) => e.set.at >= '2026-01-10' && e.set.at <= '2026-01-12').length);
        if (adapter.logIndexes) expect(await adapter.logIndexes()).toEqual(['log__trail__actor_a___id_d', 'log__trail__at_a']);
      });

      it('keeps any id, control characters included (the embedded file writer separates fields with them)', async () => {
        await declare(store);
        const odd = ['a\u0001b', 'c\u0002', 'plain'];
        await store.commit('trail', odd.map((id, i) => ({ collection: L, id, position: i + 1, set: { actor: 'a\u0001', n: i } })), 3);
        await store.commit('search', odd.map((id, i) => ({ collection: P, id, position: i + 1, set: { name: `x\u0002${i}` } })), 3);
        const check = async () => {
          expect(idsOf(await store.find(L, { actor: 'a\u0001' }, { sort: { n: 1 } }))).toEqual(odd);
          expect((await store.find(P, {}, { sort: { _id: 1 } })).map((d) => [d._id, d.name])).toEqual([...odd].sort().map((id) => [id, `x\u0002${odd.indexOf(id)}`]));
        };
        await check();
        if (adapter.persistent) {
          await store.close();
          store = await adapter.reopen();
          await check();
        }
      });

      it('is emptied by reset', async () => {
        await declare(store);
        await store.commit('trail', entries, 40);
        await store.reset('trail', [L]);
        expect(await store.count(L, {})).toBe(0);
        expect(await store.find(L, { actor: 'a1' })).toEqual([]);
      });
    });

    if (adapter.persistent) {
      it('gives the same documents and checkpoints after close and reopen, and keeps guarding', async () => {
        await store.commit('search', batch, 10);
        const before = await snapshot(store);
        await store.close();
        store = await adapter.reopen();
        expect(await everything(store)).toEqual(before);
        expect(await store.getCheckpoint('search')).toBe(10);
        await store.commit('search', batch, 10);
        expect(await everything(store)).toEqual(before);
        await store.reset('search', [P, S]);
        await store.close();
        store = await adapter.reopen();
        expect(await store.count(P, {})).toBe(0);
        expect(await store.getCheckpoint('search')).toBe(0);
      });
    }
  });
}

const dirs: string[] = [];
readStoreContract('EmbeddedReadStore (in memory)', {
  persistent: false,
  fresh: async () => EmbeddedReadStore.open(null),
  reopen: () => Promise.reject(new Error('an in-memory store cannot be reopened')),
});
readStoreContract('EmbeddedReadStore (SQLite file)', {
  persistent: true,
  // Every export of a log collection on threads, however small (by default only from 20,000 documents).
  fresh: async () => EmbeddedReadStore.open(dirs[dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'read-store-'))) - 1] as string, { exportThreadsFrom: 1 }),
  reopen: async () => EmbeddedReadStore.open(dirs.at(-1) as string, { exportThreadsFrom: 1 }),
  indexKeys: async (collection) => {
    // The log indexes' names spell their keys: log__<collection>__<field>_<a|d>__…
    const db = new Database(path.join(dirs.at(-1) as string, 'read-models.db'), { readonly: true });
    try {
      const prefix = `log__${collection}__`;
      const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]).filter((n) => n.startsWith(prefix));
      return names.map((n) => n.slice(prefix.length).split('__').map((k) => k.replace(/_([ad])$/, (_, d: string) => (d === 'a' ? ':1' : ':-1'))).join(','));
    } finally {
      db.close();
    }
  },
  logIndexes: async () => {
    const db = new Database(path.join(dirs.at(-1) as string, 'read-models.db'), { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'log%' ORDER BY name").pluck().all() as string[]);
    } finally {
      db.close();
    }
  },
  cleanup: async () => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })),
});

const mongoUrl = process.env.MONGO_URL;
const mongoDb = `read_store_contract_${randomUUID().slice(0, 8)}`;
let admin: MongoClient | null = null;
if (!mongoUrl) console.warn('MongoDB leg skipped: MONGO_URL not set');
readStoreContract(
  'MongoReadStore',
  {
    persistent: true,
    enforcesUnique: true,
    shared: true,
    fresh: async () => {
      admin ??= await new MongoClient(mongoUrl as string).connect();
      await admin.db(mongoDb).dropDatabase();
      return MongoReadStore.connect(mongoUrl as string, mongoDb);
    },
    reopen: () => MongoReadStore.connect(mongoUrl as string, mongoDb),
    indexKeys: async (collection) =>
      (await admin!.db(mongoDb).collection(collection).indexes()).map((ix) => Object.entries(ix.key).map(([f, d]) => `${f}:${String(d)}`).join(',')),
    cleanup: async () => {
      await admin?.db(mongoDb).dropDatabase();
      await admin?.close();
    },
  },
  !mongoUrl,
);

// The parts of the MongoDB adapter that need no server.
describe('MongoReadStore without a server', () => {
  it('builds updates with _position in $set only and no path in two operators', () => {
    const op: DocOp = {
      collection: S, id: 'x', position: 7, set: { status: 'draft', 'meta.note': 'y' }, unset: ['old'], inc: { n: 1 },
      setOnInsert: { status: 'new', meta: { origin: 'import', note: 'x' }, kind: 'month' },
    };
    expect(mongoGuard(op)).toEqual({ _id: 'x', $or: [{ _position: { $lt: 7 } }, { _position: { $exists: false } }] });
    expect(mongoUpdate(op)).toEqual({
      $set: { status: 'draft', 'meta.note': 'y', _position: 7 }, $unset: { old: '' }, $inc: { n: 1 },
      $setOnInsert: { 'meta.origin': 'import', kind: 'month' },
    });
  });

  it('reports an unreachable server as Unavailable', async () => {
    await expect(MongoReadStore.connect('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300')).rejects.toBeInstanceOf(Unavailable);
  });
});

describe('applyDocOp', () => {
  it('returns a new document, never modifies its input, and returns undefined when guarded', () => {
    const doc: Doc = { _id: 'a', n: 1, nested: { k: 1 }, _position: 3 };
    const copy = structuredClone(doc);
    const next = applyDocOp(doc, { collection: S, id: 'a', position: 4, inc: { n: 1, 'nested.k': 1 } });
    expect(next).toEqual({ _id: 'a', n: 2, nested: { k: 2 }, _position: 4 });
    expect(applyDocOp(doc, { collection: S, id: 'a', position: 3, set: { n: 9 } })).toBeUndefined();
    expect(doc).toEqual(copy);
  });
});
