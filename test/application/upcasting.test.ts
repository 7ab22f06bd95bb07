// Schema evolution: a v1 event stays in the stored log as written; code at v2 reads it through an
// upcaster, decides on it, writes v2 beside it, and a rebuild across the change gives the same documents.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerProject, updateProject } from '../../src/application/projects.js';
import { createServices } from '../../src/application/services.js';
import type { SchemaRegistry } from '../../src/domain/schemas.js';
import type { Actor } from '../../src/domain/shared.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { PROJECTS } from '../../src/projections/project-search.js';

const officer: Actor = { id: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' };
const fields = { name: '南山智园崇文园区', district: 'nanshan', address: '南山区留仙大道3370号', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000, managingDepartment: '南山区住房和建设局', location: { lng: 113.95, lat: 22.58 } } as const;

/** v2 of ProjectRegistered: v1 had one `area` where v2 has `totalArea` and `availableArea`. */
const V2: SchemaRegistry = {
  current: { ProjectRegistered: 2 },
  upcasters: {
    ProjectRegistered: {
      1: (data) => {
        const { area, ...rest } = data as { area: number } & Record<string, unknown>;
        return { ...rest, totalArea: area, availableArea: area };
      },
    },
  },
};

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'isp-upcast-'));
  dirs.push(d);
  return d;
};

describe('upcasting', () => {
  it('reads a stored v1 event with v2 code, decides on it, and rebuilds across the change', async () => {
    // What v1 code wrote: the data of a registration, in the old shape, with schemaVersion 1.
    const scratch = createServices(SqliteEventStore.open(join(tempDir(), 'events.db')), EmbeddedReadStore.open(null));
    const projectId = randomUUID();
    await registerProject(scratch, { projectId, fields: { ...fields } as never }, { actor: officer });
    const [written] = await scratch.events.readStream(`project-${projectId}`);
    const { totalArea, availableArea: _available, ...v1 } = written!.data as { totalArea: number; availableArea: number } & Record<string, unknown>;
    const dir = tempDir();
    const log = SqliteEventStore.open(join(dir, 'events.db'));
    const requestId = randomUUID();
    await log.append(`project-${projectId}`, [{ id: randomUUID(), type: 'ProjectRegistered', occurredAt: written!.occurredAt, data: { ...v1, area: totalArea }, metadata: { actor: officer, correlationId: requestId, causationId: null, requestId, schemaVersion: 1 } }], 'no_stream');
    const raw = await log.readStream(`project-${projectId}`);
    expect(raw[0]!.data).toHaveProperty('area', 12000);
    expect(raw[0]!.data).not.toHaveProperty('totalArea');

    // v2 code on that log.
    const reads = EmbeddedReadStore.open(join(dir));
    const services = createServices(log, reads, { schemas: V2 });
    await services.runner.start();
    expect(await services.runner.waitFor(await log.headPosition(), 5000)).toBe(true);
    expect(await reads.findOne(PROJECTS, { _id: projectId })).toMatchObject({ totalArea: 12000, marketArea: 12000 }); // the typed figure is the area on the market
    // Found by id, it is upcast as every other read.
    expect((await services.events.eventsById([raw[0]!.id]))[0]!.data).toMatchObject({ totalArea: 12000, availableArea: 12000 });
    // The decider folds the v1 event in its v2 shape: an update that needs the areas succeeds.
    await updateProject(services, { projectId, changes: { totalArea: 13000, availableArea: 13000 }, reason: '测绘复核' }, { actor: officer });
    const updated = (await log.readStream(`project-${projectId}`))[1]!;
    expect(updated.data).toMatchObject({ previous: { totalArea: 12000, availableArea: 12000 } }); // the decider saw v2
    const second = randomUUID();
    await registerProject(services, { projectId: second, fields: { ...fields, name: '新登记项目' } as never }, { actor: officer });
    const stored = await log.readStream(`project-${second}`);
    expect(stored[0]!.metadata.schemaVersion).toBe(2); // v2 code writes v2
    expect((await log.readStream(`project-${projectId}`))[0]!.data).toHaveProperty('area', 12000); // never rewritten
    expect((await log.verify()).ok).toBe(true);

    expect(await services.runner.waitFor(await log.headPosition(), 5000)).toBe(true);
    const before = structuredClone(await reads.find(PROJECTS, {}, { sort: { _id: 1 } }));
    expect(before.find((d) => d._id === projectId)).toMatchObject({ totalArea: 13000 });
    await services.runner.rebuild();
    expect(await services.runner.waitFor(await log.headPosition(), 5000)).toBe(true);
    expect(structuredClone(await reads.find(PROJECTS, {}, { sort: { _id: 1 } }))).toEqual(before);
    await services.runner.stop();
    await scratch.runner.stop();
    await reads.close();
    await log.close();
  });

  it('refuses to read an event newer than the code, and a gap with no upcaster', async () => {
    const { upcast } = await import('../../src/domain/schemas.js');
    expect(() => upcast(V2, 'ProjectRegistered', 3, {})).toThrow(/newer than this code/);
    expect(() => upcast({ current: { X: 3 }, upcasters: { X: { 1: (d) => d } } }, 'X', 1, {})).toThrow(/no upcaster for X from v2/);
    expect(upcast(V2, 'ProjectRegistered', 1, { area: 5 })).toEqual({ totalArea: 5, availableArea: 5 });
  });
});
