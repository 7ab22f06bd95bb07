// Every read model the platform keeps.
import { accountability } from './accountability.js';
import { applications } from './applications.js';
import { auditTrail } from './audit-trail.js';
import { withHistory } from './history.js';
import { exchanges } from './exchanges.js';
import { idempotency } from './idempotency.js';
import { NOTICES, notices } from './notices.js';
import type { Projection } from './projection.js';
import { PROJECTS, projectSearch } from './project-search.js';
import { PUBLIC_FEED, publicFeed } from './public-feed.js';
import { statistics } from './statistics.js';

export const allProjections: Projection[] = [projectSearch, statistics, idempotency, notices, publicFeed, applications, exchanges, accountability, auditTrail];

/** Collections kept with their history, so the public reads can answer asOf / asRecordedAt (history.ts). */
export const HISTORY_TRACKED = [NOTICES, PUBLIC_FEED, PROJECTS];
allProjections.push(withHistory(notices, [NOTICES]), withHistory(publicFeed, [PUBLIC_FEED]), withHistory(projectSearch, [PROJECTS]));
