// Vocabulary every decider shares. Pure data: no I/O, no clock, no ids.

export const ROLES = ['city_admin', 'housing_dept', 'enterprise', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const DISTRICTS = {
  futian: '福田区',
  luohu: '罗湖区',
  nanshan: '南山区',
  yantian: '盐田区',
  baoan: '宝安区',
  longgang: '龙岗区',
  longhua: '龙华区',
  pingshan: '坪山区',
  guangming: '光明区',
  dapeng: '大鹏新区',
  shenshan: '深汕特别合作区',
  // 前海管理局 acts as the district government of the 前海 cooperation zone (第二章).
  qianhai: '前海合作区',
} as const;
export type District = keyof typeof DISTRICTS;
export const DISTRICT_CODES = Object.keys(DISTRICTS) as District[];
/** A housing_dept of a city industry department carries `city` instead of a district. */
export type Scope = District | 'city';

/** The authenticated principal: always from the token, never from a request body. */
export interface Actor {
  id: string;
  role: Role;
  district?: Scope;
  creditCode?: string;
  name?: string;
}

/**
 * Separation of duties (第六章). The officer who reviewed an application never resolves an objection
 * against that review (only imported history, recorded as it happened, is exempt); the supervising body
 * (city_admin) does not itself review, allocate or publish results in a district's procedure unless
 * configuration says so (DUTIES_CITY_ADMIN_DECIDES).
 */
export interface DutyPolicy {
  reviewerMayResolveObjection: boolean;
  cityAdminDecidesInDistricts: boolean;
}
export const DEFAULT_DUTIES: DutyPolicy = { reviewerMayResolveObjection: false, cityAdminDecidesInDistricts: false };
/** Records imported from the legacy platform are history: they are recorded as they happened. */
export const IMPORTED_DUTIES: DutyPolicy = { reviewerMayResolveObjection: true, cityAdminDecidesInDistricts: true };

/** What a decider gets from the outside world: who, when, and fresh ids. */
export interface DecisionContext {
  /** The duty rules in force (DEFAULT_DUTIES when absent). */
  duties?: DutyPolicy;
  actor: Actor;
  /** Business time of the command (ISO-8601). Equal to the append time for live commands. */
  now: string;
  /** Fresh identifiers for things the command creates (units, objections…). */
  newId: () => string;
}

/** A domain event before it is recorded: the decider's output. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

/** A business rule refused the command: 422 with a stable code. */
export class RuleViolation extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Members the problem answer carries beside the code (e.g. the ids a refusal is about). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RuleViolation';
  }
}

/** The record the command would create exists already (api.md: 409 for a duplicate), with a stable code. */
export class Duplicate extends RuleViolation {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'Duplicate';
  }
}

/** The actor's role or district may not do this: 403. */
export class Forbidden extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Forbidden';
  }
}

/** The command names a record that does not exist: 404. */
export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}

/** A district-scoped officer may act in its own district; city_admin and city-level departments everywhere. */
export function mayManageDistrict(actor: Actor, district: District): boolean {
  if (actor.role === 'city_admin') return true;
  if (actor.role !== 'housing_dept') return false;
  return actor.district === district || actor.district === 'city';
}

export function requireManager(actor: Actor, district: District): void {
  if (actor.role !== 'city_admin' && actor.role !== 'housing_dept') {
    throw new Forbidden(`role ${actor.role} may not manage housing`);
  }
  if (!mayManageDistrict(actor, district)) {
    throw new Forbidden(`${actor.role} of ${actor.district ?? 'no district'} may not act in ${district}`);
  }
}

/** Reviews, publicity lists, allocations and results in a district's procedure are the district's decisions. */
export function requireDistrictDecider(ctx: DecisionContext, what: string): void {
  if (ctx.actor.role === 'city_admin' && !(ctx.duties ?? DEFAULT_DUTIES).cityAdminDecidesInDistricts) {
    throw new Forbidden(`city_admin supervises and does not itself ${what} in a district's procedure (DUTIES_CITY_ADMIN_DECIDES)`);
  }
}

/** A decider: the whole behaviour of one stream type. */
export interface Decider<C, E extends DomainEvent, S> {
  initialState: S;
  decide(command: C, state: S, ctx: DecisionContext): E[];
  evolve(state: S, event: E): S;
}
