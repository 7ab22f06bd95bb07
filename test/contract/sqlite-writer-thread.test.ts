// The SQLite log's writer thread, as a process sees it: an awaited append is answered even when nothing
// else keeps the process alive, and a store never closed does not keep the process alive afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';

const source = fileURLToPath(new URL('../../src/infra/sqlite-event-store.ts', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'writer-thread-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `code` as an ES module under tsx; resolves with its exit code and output once it exits by itself. */
function run(code: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve({ code: exitCode, out }));
  });
}

describe('SqliteEventStore writer thread', () => {
  it('answers an awaited append in a process with nothing else to do, and never keeps that process alive', async () => {
    const file = path.join(dir, 'events.db');
    const script = `
      import { SqliteEventStore } from ${JSON.stringify(source)};
      const store = SqliteEventStore.open(${JSON.stringify(file)});
      const metadata = { actor: { id: 'a', role: 'city_admin' }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 };
      const result = await store.append('s', [{ id: 'e1', type: 'A', data: { n: 1 }, occurredAt: new Date().toISOString(), metadata }], 'no_stream');
      console.log(JSON.stringify(result));
      // not closed: the process must still end
    `;
    const { code, out } = await run(script);
    expect(out.trim().split('\n').at(-1)).toBe(JSON.stringify({ revision: 0, position: 1 }));
    expect(code).toBe(0);
    const store = SqliteEventStore.open(file);
    expect((await store.readStream('s')).map((e) => e.data)).toEqual([{ n: 1 }]);
    expect(await store.verify()).toEqual({ ok: true, checked: 1 });
    await store.close();
  }, 60_000);
});
