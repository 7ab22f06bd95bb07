// A projector process killed with SIGKILL in the middle of its work, then restarted, must leave read
// models identical to a from-scratch rebuild: checkpoints and documents are committed together and
// every document change is guarded by the event's position.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler } from '../../src/application/command-handler.js';
import { projectDecider, projectStream } from '../../src/domain/project.js';
import { DISTRICT_CODES, type Actor } from '../../src/domain/shared.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { allProjections } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

const admin: Actor = { id: 'admin', role: 'city_admin', name: '市规划国土委' };
const PROJECTS = 1500;

async function buildLog(file: string): Promise<number> {
  const events = SqliteEventStore.open(file);
  const handler = new CommandHandler(events);
  const one = async (i: number) => {
    const id = `p${i}`;
    const district = DISTRICT_CODES[i % DISTRICT_CODES.length]!;
    const at = (day: number) => ({ actor: admin, importedBy: admin, importedAt: new Date(Date.UTC(2015, 0, 1 + (i % 900) + day)).toISOString() });
    const exec = (cmd: Parameters<typeof projectDecider.decide>[0], day: number) => handler.execute(projectDecider, projectStream(id), id, cmd, at(day));
    await exec(
      {
        type: 'RegisterProject',
        projectId: id,
        fields: { name: `科技园${i}号楼`, district, address: `${district}大道${i}号`, useType: (['rnd', 'plant', 'office', 'other'] as const)[i % 4]!, supplyModes: i % 3 ? ['rent'] : ['rent', 'sale'], totalArea: 1000 + i, managingDepartment: '住房和建设局' },
        units: [{ building: 'A', floor: '1', number: '101', area: 100 }],
      },
      0,
    );
    await exec({ type: 'PublishProject' }, 1);
    if (i % 2 === 0) await exec({ type: 'UpdateProject', changes: { totalArea: 2000 + i }, reason: '面积复核' }, 2);
    if (i % 5 === 0) await exec({ type: 'AddUnits', units: [{ building: 'B', floor: '2', number: '201', area: 50 }] }, 3);
    if (i % 7 === 0) await exec({ type: 'WithdrawProject', reason: '项目调整' }, 4);
  };
  for (let start = 0; start < PROJECTS; start += 100) {
    await Promise.all(Array.from({ length: Math.min(100, PROJECTS - start) }, (_, k) => one(start + k)));
  }
  const head = await events.headPosition();
  await events.close();
  return head;
}

function projector(dir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/project.ts', '--until-caught-up', '--batch', '25'], {
    // Written at every batch, so the kill lands between batches of a run still going.
    env: { ...process.env, DATA_DIR: dir, EVENTSTORE_URL: '', MONGO_URL: '', READ_MODEL_FLUSH_MS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function checkpoints(dir: string): number[] {
  const db = new Database(join(dir, 'read-models.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT position FROM checkpoints').all() as { position: number }[]).map((r) => r.position);
  } catch {
    return []; // the schema is not there yet
  } finally {
    db.close();
  }
}

async function snapshot(store: EmbeddedReadStore) {
  const out: Record<string, unknown[]> = {};
  for (const p of allProjections) for (const c of p.collections) out[c] = await store.find(c, {}, { sort: { _id: 1 } });
  return out;
}

describe('projector killed with SIGKILL mid-batch', () => {
  let dir: string;
  let head: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'isp-crash-'));
    head = await buildLog(join(dir, 'events.db'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts from its checkpoint and ends identical to a rebuild', async () => {
    const child = projector(dir);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Kill as soon as some, but not all, of the log has been projected.
    let seen: number[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      try {
        seen = checkpoints(dir);
      } catch {
        continue; // the file does not exist yet
      }
      if (seen.some((p) => p > 0)) break;
    }
    child.kill('SIGKILL');
    expect(await exited).toBeNull(); // killed, not finished
    const atKill = checkpoints(dir);
    expect(Math.min(...atKill)).toBeLessThan(head); // it really stopped part-way

    const again = projector(dir);
    let out = '';
    let said = '';
    again.stdout!.on('data', (d) => (out += d));
    again.stderr!.on('data', (d) => (said += d));
    const code = await new Promise<number | null>((resolve) => again.on('exit', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(out.trim().split('\n').pop()!).position).toBe(head);
    // The operator is told when the projections reached the head (stdout keeps its one JSON line).
    expect(said).toContain(`caught up with the log's head ${head.toLocaleString('en-US')} after`);

    const resumed = EmbeddedReadStore.open(dir);
    const events = SqliteEventStore.open(join(dir, 'events.db'));
    const fresh = EmbeddedReadStore.open(null);
    const runner = new ProjectionRunner(events, fresh, allProjections, { batchSize: 1000 });
    await runner.start();
    expect(await runner.waitFor(head, 60_000)).toBe(true);
    await runner.stop();
    const [a, b] = [await snapshot(resumed), await snapshot(fresh)];
    expect(Object.values(a).reduce((n, docs) => n + docs.length, 0)).toBeGreaterThan(PROJECTS);
    expect(a).toEqual(b);
    await Promise.all([resumed.close(), fresh.close(), events.close()]);
  }, 120_000);
});
