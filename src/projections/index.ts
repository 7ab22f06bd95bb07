// Every read model the platform keeps.
import { accountability } from './accountability.js';
import { applicationStatistics } from './application-statistics.js';
import { applications } from './applications.js';
import { demandMatching } from './demand-matching.js';
import { demandStatistics } from './demand-statistics.js';
import { demands } from './demands.js';
import { auditTrail } from './audit-trail.js';
import { memoized, withHistory } from './history.js';
import { exchanges } from './exchanges.js';
import { idempotency } from './idempotency.js';
import { NOTICES, notices } from './notices.js';
import type { Projection } from './projection.js';
import { PROJECTS, projectSearch } from './project-search.js';
import { PUBLIC_FEED, publicFeed } from './public-feed.js';
import { deadlines } from './deadlines.js';
import { SPACE, space } from './space.js';
import { tenancies } from './tenancies.js';
import { statistics } from './statistics.js';

// Each tracked projection computes an event's ops once for itself and its history.
const [noticesOnce, feedOnce, searchOnce, spaceOnce] = [notices, publicFeed, projectSearch, space].map(memoized) as [Projection, Projection, Projection, Projection];

export const allProjections: Projection[] = [
  ...[searchOnce, statistics, idempotency, noticesOnce, feedOnce, applications, exchanges, accountability, spaceOnce, tenancies, deadlines, demands, demandStatistics, applicationStatistics, auditTrail],
  // Notices and the space ledger are read as of a moment one document at a time (no key frames): no time indexes.
  ...[withHistory(noticesOnce, [NOTICES], false), withHistory(feedOnce, [PUBLIC_FEED]), withHistory(searchOnce, [PROJECTS]), withHistory(spaceOnce, [SPACE], false)],
  // Last: it reads the read models above at each batch's position (see demand-matching.ts).
  demandMatching,
];
