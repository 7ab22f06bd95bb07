// What the use cases of every stream family share: the business time of a command, the enterprise acting
// for itself, and the locks by their one spelling (lockKeys).
import { Forbidden } from '../domain/shared.js';
import { type CommandMeta, importTime } from './command-handler.js';
import { lockKeys } from './keyed-lock.js';
import type { Services } from './services.js';

export const iso = (t: string) => new Date(t).toISOString();

/** The business time of the command: the imported record's, or the server's clock. */
export const businessNow = (services: Services, meta: CommandMeta) => (meta.importedAt !== undefined ? importTime(meta.importedAt) : services.commands.now());

/** The credit code of the enterprise acting for itself, or Forbidden. */
export function creditCodeOf(meta: CommandMeta, what: string): string {
  const code = meta.actor.role === 'enterprise' ? meta.actor.creditCode : undefined;
  if (!code) throw new Forbidden(`only an enterprise may ${what}, for itself`);
  return code;
}

export const noticeLocked = <T>(services: Services, noticeId: string, work: () => Promise<T>) => services.locks.run(lockKeys.notice(noticeId), work);
/** The project's lock orders a notice decided on the project's facts against changes to the project. */
export const projectLocked = <T>(services: Services, projectId: string, work: () => Promise<T>) => services.locks.run(lockKeys.project(projectId), work);
export const enterpriseLocked = <T>(services: Services, creditCode: string, work: () => Promise<T>) => services.locks.run(lockKeys.enterprise(creditCode), work);
