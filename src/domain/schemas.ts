// Event schema evolution. Every event carries the schemaVersion of its type's data shape when written
// (metadata.schemaVersion; 1 unless `current` says otherwise). Stored events are never rewritten: when a
// shape changes, its type's version goes up and an upcaster turns each older shape into the next one as
// events are read, so deciders and projections only ever see the current shape.

export type Upcaster = (data: unknown) => unknown;

export interface SchemaRegistry {
  /** The version written today, per event type (1 when absent). */
  current: Record<string, number>;
  /** upcasters[type][v] turns version v's data into version v + 1's. */
  upcasters: Record<string, Record<number, Upcaster>>;
}

/** The platform's registry: no event type has changed shape yet. */
export const SCHEMAS: SchemaRegistry = { current: {}, upcasters: {} };

export const currentVersion = (registry: SchemaRegistry, type: string): number => registry.current[type] ?? 1;

/** The data of an event of `type` written at `version`, in today's shape. */
export function upcast(registry: SchemaRegistry, type: string, version: number | undefined, data: unknown): unknown {
  const target = currentVersion(registry, type);
  let v = version ?? 1;
  if (v > target) throw new Error(`${type} v${v} is newer than this code (v${target}): upgrade before reading this log`);
  while (v < target) {
    const step = registry.upcasters[type]?.[v];
    if (!step) throw new Error(`no upcaster for ${type} from v${v}`);
    data = step(data);
    v++;
  }
  return data;
}
