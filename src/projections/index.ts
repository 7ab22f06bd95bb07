// Every read model the platform keeps.
import { idempotency } from './idempotency.js';
import type { Projection } from './projection.js';
import { projectSearch } from './project-search.js';
import { statistics } from './statistics.js';

export const allProjections: Projection[] = [projectSearch, statistics, idempotency];
