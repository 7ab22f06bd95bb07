// The live topics and where they come from. Each family follows the projections whose read models it
// shows: a batch touches a topic when one of those projections handles one of its events, so a new
// event handled by a projection reaches its subscribers with no list kept here.
import type { Services } from '../application/services.js';
import type { Audience } from '../infra/bus.js';
import type { RecordedEvent } from '../infra/event-store.js';
import { applications } from '../projections/applications.js';
import { exchanges } from '../projections/exchanges.js';
import { notices } from '../projections/notices.js';
import { getDemand } from '../projections/demand-queries.js';
import { getApplication, getExchange, getNotice, listFeed } from '../projections/procedure-queries.js';
import type { Projection } from '../projections/projection.js';
import { PROJECTS, projectSearch } from '../projections/project-search.js';
import { publicFeed } from '../projections/public-feed.js';
import { currentStatistics, statistics } from '../projections/statistics.js';
import { hideObjectors, presentProject } from './present.js';
import { PRIVATE_UNKNOWN, demandAudience, privateRecordAudience, projectAudience } from './visibility.js';

export interface Loaded {
  data: unknown;
  audience: Audience;
}

/** `notices` and `statistics` are single topics; the others are `<name>:<id>`. */
export interface TopicFamily {
  name: string;
  /** The projections whose read models the topic shows. */
  follows: Projection[];
  /** The record ids an event handled by `follows` touches (absent for a single topic). */
  ids?: (event: RecordedEvent) => string[];
  /** What subscribers see now and who they may be; null when the record is unknown. */
  load(id: string): Promise<Loaded | null>;
  /** Who may follow an unknown record of this family (its visibility before anyone can read it). */
  unknown: Audience;
}

const PUBLIC: Audience = { public: true };

/** One field of the event data, when it is a string. */
const field = (name: string) => (e: RecordedEvent) => {
  const v = (e.data as Record<string, unknown>)[name];
  return typeof v === 'string' ? [v] : [];
};

/** An application event names its application; an allocation or a result names every candidate. */
function applicationIds(e: RecordedEvent): string[] {
  const d = e.data as { applicationId?: string; order?: string[]; allocations?: { applicationId: string }[] };
  if (typeof d.applicationId === 'string') return [d.applicationId];
  return [...new Set([...(d.order ?? []), ...(d.allocations ?? []).map((a) => a.applicationId)])];
}

export function liveTopics(services: Services): TopicFamily[] {
  const reads = services.reads;
  return [
    {
      name: 'statistics',
      follows: [statistics],
      load: async () => ({ data: await currentStatistics(reads, services.commands.now()), audience: PUBLIC }),
      unknown: PUBLIC,
    },
    {
      name: 'notices',
      follows: [publicFeed],
      load: async () => ({ data: await listFeed(reads, { page: 1, pageSize: 20 }), audience: PUBLIC }),
      unknown: PUBLIC,
    },
    {
      name: 'project',
      follows: [projectSearch],
      ids: field('projectId'),
      load: async (id) => {
        const doc = await reads.findOne(PROJECTS, { _id: id });
        return doc ? { data: presentProject(doc), audience: projectAudience(doc) } : null;
      },
      // An unknown project would be an unpublished one: not for the public.
      unknown: PRIVATE_UNKNOWN,
    },
    {
      name: 'notice',
      // The notice and its publicity list, whose verdicts the feed revises after upheld objections.
      follows: [notices, publicFeed],
      ids: field('noticeId'),
      load: async (id) => {
        const view = await getNotice(reads, id);
        return view ? { data: view, audience: PUBLIC } : null;
      },
      // Notices are public from their first event.
      unknown: PUBLIC,
    },
    {
      name: 'application',
      follows: [applications],
      ids: applicationIds,
      load: async (id) => {
        const doc = await getApplication(reads, id);
        // Who filed an objection stays with officers (GET /api/applications/:id shows them); pushes omit it.
        return doc ? { data: hideObjectors(doc), audience: privateRecordAudience(doc) } : null;
      },
      unknown: PRIVATE_UNKNOWN,
    },
    {
      name: 'exchange',
      follows: [exchanges],
      ids: field('exchangeId'),
      load: async (id) => {
        const doc = await getExchange(reads, id);
        return doc ? { data: doc, audience: privateRecordAudience(doc) } : null;
      },
      unknown: PRIVATE_UNKNOWN,
    },
    {
      // Demands (产业空间需求): pushed when new candidates appear (demand-live.ts, from the matcher's outbox),
      // so the family follows no projection here; it still says who may subscribe.
      name: 'demand',
      follows: [],
      ids: () => [],
      load: async (id) => {
        const doc = await getDemand(reads, id, services.commands.now());
        return doc ? { data: doc, audience: demandAudience(doc) } : null;
      },
      unknown: PRIVATE_UNKNOWN,
    },
  ];
}

/** The topics one event touches, with how to load each. */
export function topicsOf(families: TopicFamily[], event: RecordedEvent): { topic: string; load: () => Promise<Loaded | null> }[] {
  const out = [];
  for (const f of families) {
    if (!f.follows.some((p) => p.handles.has(event.type))) continue;
    if (!f.ids) out.push({ topic: f.name, load: () => f.load('') });
    else for (const id of f.ids(event)) out.push({ topic: `${f.name}:${id}`, load: () => f.load(id) });
  }
  return out;
}

/** Who may follow a topic: the audience of what it would push now (an unknown record per its family). */
export async function audienceOfTopic(families: TopicFamily[], topic: string): Promise<Audience | null> {
  const colon = topic.indexOf(':');
  const name = colon < 0 ? topic : topic.slice(0, colon);
  const family = families.find((f) => f.name === name && (colon < 0) === !f.ids);
  if (!family) return null;
  const loaded = await family.load(colon < 0 ? '' : topic.slice(colon + 1));
  return loaded?.audience ?? family.unknown;
}
