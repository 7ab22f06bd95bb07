// Every read model the platform keeps.
import { accountability } from './accountability.js';
import { applications } from './applications.js';
import { demandMatching } from './demand-matching.js';
import { demandStatistics } from './demand-statistics.js';
import { demands } from './demands.js';
import { exchanges } from './exchanges.js';
import { idempotency } from './idempotency.js';
import { notices } from './notices.js';
import type { Projection } from './projection.js';
import { projectSearch } from './project-search.js';
import { publicFeed } from './public-feed.js';
import { deadlines } from './deadlines.js';
import { space } from './space.js';
import { tenancies } from './tenancies.js';
import { statistics } from './statistics.js';

export const allProjections: Projection[] = [
  ...[projectSearch, statistics, idempotency, notices, publicFeed, applications, exchanges, accountability, space, tenancies, deadlines, demands, demandStatistics],
  // Last: it reads the read models above at each batch's position (see demand-matching.ts).
  demandMatching,
];
