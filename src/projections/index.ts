// Every read model the platform keeps.
import { accountability } from './accountability.js';
import { applications } from './applications.js';
import { auditTrail } from './audit-trail.js';
import { exchanges } from './exchanges.js';
import { idempotency } from './idempotency.js';
import { notices } from './notices.js';
import type { Projection } from './projection.js';
import { projectSearch } from './project-search.js';
import { publicFeed } from './public-feed.js';
import { statistics } from './statistics.js';

export const allProjections: Projection[] = [projectSearch, statistics, idempotency, notices, publicFeed, applications, exchanges, accountability, auditTrail];
