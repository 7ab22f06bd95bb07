// CommandHandler's import rule (domain.md, "Event envelope"): a legacy record keeps its original time and
// its original actor, is marked imported, and only city_admin may import it (metadata.importedBy).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandHandler, type CommandMeta } from '../../src/application/command-handler.js';
import { type ProjectCommand, projectDecider, projectStream } from '../../src/domain/project.js';
import { type Actor, Forbidden } from '../../src/domain/shared.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';

const importer: Actor = { id: 'import-legacy', role: 'city_admin', name: '市土地房产交易中心（历史数据导入）' };
const officer: Actor = { id: 'legacy-officer-nanshan-01', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' };
const register: ProjectCommand = {
  type: 'RegisterProject',
  projectId: 'p1',
  fields: { name: '南头科技研发中心', district: 'nanshan', address: '南山区南头街道中山园路142号', useType: 'rnd', supplyModes: ['rent'], totalArea: 26_661 },
};
const at = '2017-10-16T02:00:00.000Z';

describe('CommandHandler: imports', () => {
  let events: SqliteEventStore;
  let handler: CommandHandler;
  const run = (meta: CommandMeta) => handler.execute(projectDecider, projectStream('p1'), 'p1', register, meta);

  beforeEach(() => {
    events = SqliteEventStore.open(':memory:');
    handler = new CommandHandler(events, { clock: () => new Date('2026-01-05T02:00:00.000Z') });
  });
  afterEach(() => events.close());

  it('refuses importedAt without importedBy, and appends nothing', async () => {
    await expect(run({ actor: importer, importedAt: at })).rejects.toThrow(Forbidden);
    expect(await events.headPosition()).toBe(0);
  });

  it('refuses an importer who is not city_admin, even when the actor is', async () => {
    await expect(run({ actor: officer, importedAt: at, importedBy: officer })).rejects.toThrow(/only city_admin may import/);
    await expect(run({ actor: importer, importedAt: at, importedBy: { ...officer, role: 'auditor' } })).rejects.toThrow(Forbidden);
    expect(await events.headPosition()).toBe(0);
  });

  it('refuses importedBy without importedAt: a live command is not an import', async () => {
    await expect(run({ actor: officer, importedBy: importer })).rejects.toThrow(/importedBy goes with importedAt/);
    expect(await events.headPosition()).toBe(0);
  });

  it('records the original actor and time, marked imported by the city_admin', async () => {
    await run({ actor: officer, importedAt: at, importedBy: importer });
    const [e] = await events.readStream(projectStream('p1'));
    expect(e!.occurredAt).toBe(at);
    expect(e!.metadata.actor).toEqual(officer);
    expect(e!.metadata.imported).toBe(true);
    expect(e!.metadata.importedBy).toEqual(importer);
    expect(Date.parse(e!.recordedAt)).toBeGreaterThan(Date.parse(at));
  });

  it('keeps an import\'s time in UTC as the log keeps every time, and refuses one that is no instant', async () => {
    await expect(run({ actor: officer, importedAt: '2017-10-16', importedBy: importer })).rejects.toThrow(/not an ISO-8601 instant/);
    await expect(run({ actor: officer, importedAt: 'yesterday', importedBy: importer })).rejects.toThrow(/not an ISO-8601 instant/);
    await expect(run({ actor: officer, importedAt: '2017-10-16T10:00:00', importedBy: importer })).rejects.toThrow(/with its offset/);
    for (const impossible of ['2017-02-30T10:00:00+08:00', '2017-02-31T10:00:00.000Z', '2017-10-16T24:00:00Z']) {
      await expect(run({ actor: officer, importedAt: impossible, importedBy: importer })).rejects.toThrow(/no such date and time|ISO-8601/);
    }
    expect(await events.headPosition()).toBe(0);
    await run({ actor: officer, importedAt: '2017-10-16T10:00:00+08:00', importedBy: importer });
    const [e] = await events.readStream(projectStream('p1'));
    expect(e!.occurredAt).toBe(at); // 10:00 in Shenzhen is 02:00 UTC: compared as text, it sorts as the instant
  });

  it('leaves a live command unmarked', async () => {
    await run({ actor: officer });
    const [e] = await events.readStream(projectStream('p1'));
    expect(e!.metadata.imported).toBeUndefined();
    expect(e!.metadata.importedBy).toBeUndefined();
    expect(e!.occurredAt).toBe(e!.recordedAt);
  });
});
