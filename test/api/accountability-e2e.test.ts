// Issue 9, "Done when": an officer renames a project and reviews an application; an auditor finds both
// by actor, district and record and exports them; the reads asOf a moment before show the old state;
// deleting the newest events from the stored log is detected against the last signed checkpoint.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpoint, signingKeyFrom } from '../../src/application/checkpoints.js';
import { FileAnchorLedger } from '../../src/infra/checkpoint-anchors.js';
import { type TestServer, startServer, tokens } from './harness.js';
import { Api, Clock, E_HARNESS } from './procedure-kit.js';

const key = signingKeyFrom(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
const ledgerDir = mkdtempSync(join(tmpdir(), 'isp-e2e-anchor-'));
const ledger = new FileAnchorLedger(join(ledgerDir, 'checkpoints.jsonl'));
const clock = new Clock('2027-03-01T02:00:00.000Z');
let srv: TestServer;
let api: Api;
let projectId = '';
let applicationId = '';
let noticeId = '';
let before = '';
const NEW_NAME = '南山智园更名后';

beforeAll(async () => {
  srv = await startServer({ clock: clock.read, anchors: { ledger, key } });
  api = new Api(srv, clock);
  const f = await api.flow({ applicants: [{ who: E_HARNESS, area: 300 }], until: 'submitted' });
  [projectId, noticeId, applicationId] = [f.projectId, f.noticeId, f.apps[0]!];
  clock.advance(60_000);
  before = new Date(clock.ms).toISOString();
  clock.advance(60_000);
  await api.ok('nanshan', 'PATCH', `/api/projects/${projectId}`, { name: NEW_NAME, reason: '名称规范' });
  await api.ok('nanshan', 'POST', `/api/applications/${encodeURIComponent(applicationId)}/review`, { qualified: true, reasons: [], score: 80 });
});
afterAll(async () => {
  await srv?.close();
  rmSync(ledgerDir, { recursive: true, force: true });
});

describe('accountability end to end', () => {
  it('the auditor finds the rename and the review by actor, district and record, and exports them', async () => {
    const at = await srv.logSize();
    const byActor = await srv.request('GET', `/api/audit?actor=officer-ns&district=nanshan&from=${before}&consistentWith=${at}`, { token: 'auditor' });
    expect(byActor.body.items.map((e: { type: string }) => e.type)).toEqual(['QualificationReviewed', 'ProjectUpdated']);
    const onProject = await srv.request('GET', `/api/audit?record=${projectId}&type=ProjectUpdated`, { token: 'auditor' });
    expect(onProject.body.items[0]).toMatchObject({ why: '名称规范', actor: { id: 'officer-ns', district: 'nanshan' } });
    const onApplication = await srv.request('GET', `/api/audit/records/application-${encodeURIComponent(applicationId)}`, { token: 'auditor' });
    expect(onApplication.body.items.map((e: { type: string }) => e.type)).toEqual(['ApplicationSubmitted', 'QualificationReviewed']);

    const csv = await fetch(`${srv.url}/api/audit?actor=officer-ns&from=${before}`, { headers: { accept: 'text/csv', authorization: `Bearer ${tokens.auditor}` } });
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await csv.arrayBuffer());
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('南山区住房和建设局');
    expect(text.trimEnd().split('\r\n')).toHaveLength(3);
    const nd = await fetch(`${srv.url}/api/audit?actor=officer-ns&from=${before}`, { headers: { accept: 'application/x-ndjson', authorization: `Bearer ${tokens.auditor}` } });
    expect((await nd.text()).trimEnd().split('\n').map((l) => JSON.parse(l).type)).toEqual(['QualificationReviewed', 'ProjectUpdated']);
  });

  it('the feed, the notice and a search asOf a moment before show the old state', async () => {
    const search = await srv.request('GET', `/api/projects?q=${encodeURIComponent(NEW_NAME)}&asOf=${before}`);
    expect(search.body.total).toBe(0);
    expect((await api.read(null, `/api/projects?q=${encodeURIComponent(NEW_NAME)}`)).body.total).toBe(1);
    const notice = await srv.request('GET', `/api/notices/${noticeId}?asOf=${before}`);
    expect(notice.status).toBe(200);
    const feed = await srv.request('GET', `/api/notices?asOf=${before}`);
    expect(feed.status).toBe(200);
    expect(feed.body.total).toBe((await api.read(null, '/api/notices')).body.total);
  });

  it('deleting the newest events from the stored log is detected by verify against the last checkpoint', async () => {
    const anchor = await checkpoint(srv.services.events, ledger, key, new Date(clock.ms).toISOString());
    expect((await srv.request('GET', '/api/audit/verify', { token: 'auditor' })).body).toMatchObject({ ok: true, checkpoint: { position: anchor!.position } });
    const raw = new Database(join(srv.dir, 'events.db'));
    raw.prepare('DELETE FROM events WHERE position >= ?').run(anchor!.position - 1); // the review and everything after
    raw.close();
    const res = await srv.request('GET', '/api/audit/verify', { token: 'auditor' });
    expect(res.body).toMatchObject({ ok: false, firstBadPosition: anchor!.position - 1 });
  });
});
