// Facts that one stream's decision needs from others, read fresh from the log (or from read models
// brought up to the log's head). Each is a plain function of the services, so a use case (or a test)
// can call it alone.
import { type ApplicationFacts, type ApplicationState, UNKNOWN_APPLICATION, applicationDecider, applicationFacts, applicationStream } from '../domain/application.js';
import { type NoticeState, noticeDecider, noticeSnapshot, noticeStream, projectSnapshot } from '../domain/notice.js';
import { projectDecider, projectStream } from '../domain/project.js';
import { NotFound } from '../domain/shared.js';
import type { EventStore } from '../infra/event-store.js';
import { holdingsOfProject } from '../projections/space-queries.js';
import { type Services, readModelsAtHead } from './services.js';

export async function projectFacts(services: Services, projectId: string) {
  const { state } = await services.commands.load(projectDecider, projectStream(projectId), true);
  const snapshot = projectSnapshot(state);
  if (!snapshot) throw new NotFound(`no project ${projectId}`);
  return snapshot;
}

/**
 * The project as a notice on it (or a change to its areas) needs it: with the space its records hold —
 * notices under way, allocations, contracts (ledger.ts) — read at the log's head.
 */
export async function projectFactsForNotice(services: Services, projectId: string) {
  const snapshot = await projectFacts(services, projectId);
  await readModelsAtHead(services); // every holding of the project is listed
  return { ...snapshot, holdings: await holdingsOfProject(services.reads, projectId) };
}

export async function noticeState(services: Services, noticeId: string): Promise<Exclude<NoticeState, { status: 'none' }>> {
  const { state } = await services.commands.load(noticeDecider, noticeStream(noticeId), true);
  if (state.status === 'none') throw new NotFound(`no notice ${noticeId}`);
  return state;
}

export async function noticeFacts(services: Services, noticeId: string) {
  return noticeSnapshot(await noticeState(services, noticeId))!;
}

/**
 * The application's facts, with the log position of its latest submission (the first-come number). Needs
 * only the log; `beforePosition` gives them as they stood just before that position (allocation replay).
 */
export async function applicationFactsOf(events: EventStore, applicationId: string, beforePosition = Infinity): Promise<ApplicationFacts | null> {
  const recorded = await events.readStream(applicationStream(applicationId));
  let state: ApplicationState = applicationDecider.initialState;
  let submittedPosition = 0;
  for (const e of recorded) {
    if (e.position >= beforePosition) break;
    state = applicationDecider.evolve(state, { type: e.type, data: e.data } as never);
    if (e.type === 'ApplicationSubmitted') submittedPosition = e.position;
  }
  return state.status === 'none' ? null : applicationFacts(state, submittedPosition);
}

/** The notice an application belongs to (its id is `<noticeId>.<creditCode>`, but we read it from the stream). */
export async function noticeOfApplication(services: Services, applicationId: string): Promise<string> {
  const { state } = await services.commands.load(applicationDecider, applicationStream(applicationId), true);
  if (state.status === 'none') throw new NotFound(UNKNOWN_APPLICATION);
  return state.noticeId;
}
