// What a group commit writes beside the rows: the log keeps the indexes its reads use (a stream's
// revisions, event ids) and no other. The audit trail's questions are answered by its read model, so a
// file made when the log answered them loses those indexes when it is opened.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-indexes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const indexesOf = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name").pluck().all() as string[]);
  } finally {
    db.close();
  }
};

const metadata = { actor: { id: 'officer-1', role: 'housing_dept' as const, district: 'futian' as const }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 };

describe('SqliteEventStore indexes', () => {
  it('makes only the indexes its reads use', async () => {
    const file = path.join(dir, 'fresh.db');
    const store = SqliteEventStore.open(file);
    await store.close();
    expect(indexesOf(file)).toEqual(['events_id', 'events_stream_revision']);
  });

  it('drops the audit indexes of an older file and keeps its events, which read as before', async () => {
    const file = path.join(dir, 'older.db');
    const first = SqliteEventStore.open(file);
    await first.append('project-1', [{ id: 'e1', type: 'ProjectRegistered', data: { n: 1 }, occurredAt: '2020-01-01T00:00:00.000Z', metadata }], 'no_stream');
    await first.close();
    // As the log made them before the audit trail was a read model.
    const db = new Database(file);
    db.exec(`CREATE INDEX events_actor ON events (json_extract(metadata, '$.actor.id'), position);
             CREATE INDEX events_type ON events (type, position);
             CREATE INDEX events_recorded ON events (recorded_at);`);
    db.close();
    expect(indexesOf(file)).toContain('events_actor');
    const reopened = SqliteEventStore.open(file);
    try {
      expect(indexesOf(file)).toEqual(['events_id', 'events_stream_revision']);
      const [event] = await reopened.readStream('project-1');
      expect(event).toMatchObject({ id: 'e1', type: 'ProjectRegistered', data: { n: 1 }, revision: 0, position: 1 });
      expect((await reopened.verify()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});
