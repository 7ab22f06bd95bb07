// Notices and feed items name their project. Events recorded before NoticePublished carried projectName
// still project (titles fall back to the id) and the reads name the project from the projects read model.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { NewEvent } from '../../src/infra/event-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { notices } from '../../src/projections/notices.js';
import { getNotice, listFeed } from '../../src/projections/procedure-queries.js';
import { projectSearch } from '../../src/projections/project-search.js';
import { publicFeed } from '../../src/projections/public-feed.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

const actor = { id: 'officer-ns', role: 'housing_dept', district: 'nanshan' };
const event = (type: string, data: Record<string, unknown>, occurredAt: string): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  occurredAt,
  metadata: { actor, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1, imported: true, importedBy: actor },
});
const terms = { area: 500, price: 60, eligibility: '高新技术企业', opensAt: '2026-02-01T01:00:00.000Z', closesAt: '2026-02-10T09:00:00.000Z', publicityWorkingDays: 5 };
const fields = { name: '留仙洞产业园', district: 'nanshan', address: '南山区留仙大道', useType: 'rnd', supplyModes: ['rent'], totalArea: 9000 };

let events: SqliteEventStore;
let reads: EmbeddedReadStore;
let runner: ProjectionRunner;
beforeAll(async () => {
  events = SqliteEventStore.open(':memory:');
  reads = EmbeddedReadStore.open(null);
  runner = new ProjectionRunner(events, reads, [projectSearch, notices, publicFeed]);
  await events.append('project-p-old', [event('ProjectRegistered', { projectId: 'p-old', ...fields, units: [] }, '2026-01-02T01:00:00.000Z')], 'no_stream');
  await events.append('project-p-old', [event('ProjectPublished', { projectId: 'p-old', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 9000 }, '2026-01-03T01:00:00.000Z')], 0);
  // Recorded before notices carried the project's name.
  await events.append('notice-n-old', [event('NoticePublished', { noticeId: 'n-old', district: 'nanshan', projectId: 'p-old', supplyMode: 'rent', ...terms }, '2026-01-05T01:00:00.000Z')], 'no_stream');
  // Recorded since.
  await events.append('notice-n-new', [event('NoticePublished', { noticeId: 'n-new', district: 'nanshan', projectId: 'p-gone', projectName: '已退出项目', supplyMode: 'rent', ...terms }, '2026-01-06T01:00:00.000Z')], 'no_stream');
  await runner.start();
  expect(await runner.waitFor(await events.headPosition(), 10_000)).toBe(true);
});
afterAll(async () => {
  await runner?.stop();
  await events?.close();
  await reads?.close();
});

describe('notices and feed items name their project', () => {
  it('from the event where it carries the name', async () => {
    const feed = await listFeed(reads, { page: 1, pageSize: 10 });
    const item = feed.items.find((i) => i.noticeId === 'n-new')!;
    expect(item).toMatchObject({ projectId: 'p-gone', projectName: '已退出项目', district: 'nanshan', districtName: '南山区', title: '租售通告：南山区 已退出项目（出租）' });
    expect(await getNotice(reads, 'n-new')).toMatchObject({ projectName: '已退出项目', districtName: '南山区' });
  });

  it('from the projects read model for an event recorded before the name was carried (the title keeps the id)', async () => {
    const feed = await listFeed(reads, { page: 1, pageSize: 10 });
    const item = feed.items.find((i) => i.noticeId === 'n-old')!;
    expect(item).toMatchObject({ projectId: 'p-old', projectName: '留仙洞产业园', districtName: '南山区', title: '租售通告：南山区 项目 p-old（出租）' });
    expect(await getNotice(reads, 'n-old')).toMatchObject({ projectId: 'p-old', projectName: '留仙洞产业园', district: 'nanshan', districtName: '南山区' });
  });
});
