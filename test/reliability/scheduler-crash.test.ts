// The deadline scheduler killed with SIGKILL while it fires deadlines, then restarted (and run twice at
// once): every due deadline is fired exactly once — one TenancyEnded per expired lease, one ApplicationLapsed
// per 补正 not made in time, none twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/shared.js';
import { type NewEvent } from '../../src/infra/event-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';

const officer: Actor = { id: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房建设局' };
const LEASES = 150;
const RETURNS = 50;
const NOW = '2030-01-01T00:00:00.000Z';

const event = (type: string, data: unknown, occurredAt: string, actor: Actor = officer): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  occurredAt,
  metadata: { actor, correlationId: randomUUID(), causationId: null, requestId: randomUUID(), schemaVersion: 1 },
});

/** A log of leases recorded back (as the contract use case records them), every one ended by NOW. */
async function buildLog(file: string): Promise<void> {
  const events = SqliteEventStore.open(file);
  for (let i = 0; i < LEASES; i++) {
    const creditCode = `91440300MA5T${String(i).padStart(5, '0')}X`;
    const applicationId = `n-crash.${creditCode}`;
    const ids = { applicationId, noticeId: 'n-crash' };
    const enterprise: Actor = { id: `ent-${i}`, role: 'enterprise', creditCode };
    await events.append(
      `application-${applicationId}`,
      [
        event('ApplicationSubmitted', { ...ids, district: 'nanshan', creditCode, enterpriseName: `企业${i}`, requestedArea: 100, declared: { industry: '软件', employees: 10, annualRevenue: 1, rndShare: 0.1 }, documents: [] }, '2026-01-05T02:00:00.000Z', enterprise),
        event('LeaseSigned', { ...ids, projectId: 'p-crash', district: 'nanshan', creditCode, area: 100, contractRef: `C-${i}`, signedOn: '2026-02-01T02:00:00.000Z', lease: { startsOn: '2026-03-01T00:00:00.000Z', endsOn: new Date(Date.UTC(2027, 0, 1 + i)).toISOString(), monthlyRent: 5000 } }, '2026-02-02T02:00:00.000Z'),
      ],
      'no_stream',
    );
  }
  // Applications returned for material (补正) whose deadline passed long before NOW.
  for (let i = 0; i < RETURNS; i++) {
    const creditCode = `91440300MA5U${String(i).padStart(5, '0')}X`;
    const applicationId = `n-crash.${creditCode}`;
    const ids = { applicationId, noticeId: 'n-crash' };
    const enterprise: Actor = { id: `ent-r-${i}`, role: 'enterprise', creditCode };
    await events.append(
      `application-${applicationId}`,
      [
        event('ApplicationSubmitted', { ...ids, district: 'nanshan', creditCode, enterpriseName: `补正企业${i}`, requestedArea: 100, declared: { industry: '软件', employees: 10, annualRevenue: 1, rndShare: 0.1 }, documents: [] }, '2026-01-05T02:00:00.000Z', enterprise),
        event('ApplicationReturned', { ...ids, missing: ['审计报告'], district: 'nanshan', correctionDueAt: new Date(Date.UTC(2026, 0, 10 + i, 15, 59, 59, 999)).toISOString() }, '2026-01-06T02:00:00.000Z'),
      ],
      'no_stream',
    );
  }
  await events.close();
}

function scheduler(dir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/tick.ts'], {
    env: { ...process.env, DATA_DIR: dir, EVENTSTORE_URL: '', MONGO_URL: '', READ_MODEL_FLUSH_MS: '0', SCHEDULER_NOW: NOW, TICK_LIMIT: '10' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function run(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

async function endings(dir: string): Promise<Map<string, number>> {
  const events = SqliteEventStore.open(join(dir, 'events.db'));
  const counts = new Map<string, number>();
  for (let after = 0; ; ) {
    const batch = await events.readAll(after, 1000);
    if (batch.length === 0) break;
    for (const e of batch) if (e.type === 'TenancyEnded' || e.type === 'ApplicationLapsed') counts.set(e.stream, (counts.get(e.stream) ?? 0) + 1);
    after = batch[batch.length - 1]!.position;
  }
  await events.close();
  return counts;
}

describe('scheduler killed with SIGKILL while firing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'isp-scheduler-'));
    await buildLog(join(dir, 'events.db'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fires every due deadline exactly once across a kill, a restart and two instances at once', async () => {
    const child = scheduler(dir);
    const done = run(child);
    // Kill as soon as it has fired some deadlines, but (most likely) not all.
    let fired = 0;
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        fired += (String(d).match(/^fired /gm) ?? []).length;
        if (fired > 0) resolve();
      });
    });
    child.kill('SIGKILL');
    expect((await done).code).toBeNull(); // killed, not finished
    const atKill = await endings(dir);
    expect(atKill.size).toBeGreaterThan(0);
    expect([...atKill.values()].every((n) => n === 1)).toBe(true);

    // Restarted twice at once: they race for the same deadlines; the appends' expected revision decides.
    const [a, b] = await Promise.all([run(scheduler(dir)), run(scheduler(dir))]);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);

    const after = await endings(dir);
    expect(after.size).toBe(LEASES + RETURNS);
    expect([...after.values()].every((n) => n === 1), 'a tenancy ended, or an application lapsed, twice').toBe(true);
    expect([...after.keys()].filter((s) => s.startsWith('application-'))).toHaveLength(RETURNS);
    // What the restarts fired adds up to what was left at the kill: nothing was fired twice.
    const firedLater = (a.out + b.out).match(/^fired /gm)?.length ?? 0;
    expect(firedLater).toBe(LEASES + RETURNS - atKill.size);
  }, 120_000);
});
