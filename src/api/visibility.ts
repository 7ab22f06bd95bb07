// Who may see what: one module for the routes and the live updates, so a read and a push of the same
// record obey the same rule.
import type { Actor } from '../domain/shared.js';
import { mayManageDistrict } from '../domain/shared.js';
import type { Audience } from '../infra/bus.js';
import type { Filter } from '../infra/read-store.js';
import { HttpProblem } from './problem.js';

/** Who may see projects that are not (or no longer) public. */
export function projectStatusScope(actor: Actor | null, status: string): Filter {
  if (status === 'published') return { status };
  if (!actor || actor.role === 'enterprise') throw new HttpProblem(403, 'Forbidden', 'only officers and auditors may list unpublished projects');
  if (actor.role === 'housing_dept' && actor.district !== 'city') return { status, district: actor.district };
  return { status };
}

/** Who may read an application: its enterprise, its district's officers, the city and auditors. */
export function maySeeApplication(actor: Actor, doc: { creditCode?: unknown; district?: unknown }): boolean {
  if (actor.role === 'city_admin' || actor.role === 'auditor') return true;
  if (actor.role === 'enterprise') return actor.creditCode === doc.creditCode;
  return mayManageDistrict(actor, doc.district as never);
}


/** A project is public once published; otherwise its district's officers, the city and auditors see it. */
export function maySeeProject(actor: Actor | null, doc: Record<string, unknown>): boolean {
  if (doc.status === 'published') return true;
  if (!actor) return false;
  if (actor.role === 'city_admin' || actor.role === 'auditor') return true;
  return actor.role === 'housing_dept' && mayManageDistrict(actor, doc.district as never);
}

/** Who may read a demand: its enterprise, officers of a district it names (and the city's), city_admin and auditors. */
export function maySeeDemand(actor: Actor, doc: { creditCode?: unknown; districts?: unknown }): boolean {
  if (actor.role === 'city_admin' || actor.role === 'auditor') return true;
  if (actor.role === 'enterprise') return actor.creditCode === doc.creditCode;
  return Array.isArray(doc.districts) && doc.districts.some((d) => mayManageDistrict(actor, d as never));
}

/** Who may follow a record nobody can read yet: only those who read every record of its kind. */
export const PRIVATE_UNKNOWN: Audience = { public: false };

/** A project's pushes go to everyone once it is published, before that to whoever may see it unpublished. */
export function projectAudience(doc: Record<string, unknown>): Audience {
  return maySeeProject(null, doc) ? { public: true } : { public: false, district: String(doc.district) };
}

/** An application's or an exchange's pushes: its enterprise and its district's officers (as maySeeApplication). */
export function privateRecordAudience(doc: { creditCode?: unknown; district?: unknown }): Audience {
  return { public: false, creditCode: String(doc.creditCode), district: String(doc.district) };
}

/** A demand's pushes: its enterprise and the officers of the districts it names (as maySeeDemand). */
export function demandAudience(doc: Record<string, unknown>): Audience {
  return { public: false, creditCode: String(doc.creditCode), districts: Array.isArray(doc.districts) ? doc.districts.map(String) : [] };
}

/** Whether a push to `audience` may reach `actor`: the same rule as maySeeProject / maySeeApplication. */
export function mayReceive(actor: Actor | null, audience: Audience): boolean {
  if (audience.public) return true;
  if (!actor) return false;
  if (actor.role === 'city_admin' || actor.role === 'auditor') return true;
  if (actor.role === 'housing_dept') {
    const districts = [...(audience.district !== undefined ? [audience.district] : []), ...(audience.districts ?? [])];
    return districts.length > 0 && (actor.district === 'city' || districts.includes(actor.district ?? ''));
  }
  return audience.creditCode !== undefined && actor.creditCode === audience.creditCode;
}


/**
 * A list filter narrowed to what the actor may read: an enterprise its own records, a district officer
 * its district (asking for another is a 403); the city and auditors everything.
 */
export function scopedToActor<F extends { district?: string; creditCode?: string }>(actor: Actor, filter: F): F {
  if (actor.role === 'enterprise') return { ...filter, creditCode: actor.creditCode };
  if (actor.role === 'housing_dept' && actor.district !== 'city') {
    if (filter.district && filter.district !== actor.district) throw new HttpProblem(403, 'Forbidden', `an officer of ${actor.district} may not list ${filter.district}`);
    return { ...filter, district: actor.district };
  }
  return filter;
}
