// Facts that one stream's decision needs from others, read fresh from the log (or from read models
// brought up to the log's head), for the procedure's commands (procedure-commands.ts).
import { type ApplicationFacts, type ApplicationState, applicationDecider, applicationFacts, applicationStream } from '../domain/application.js';
import { type NoticeState, noticeDecider, noticeSnapshot, noticeStream, projectSnapshot } from '../domain/notice.js';
import { projectDecider, projectStream } from '../domain/project.js';
import { NotFound } from '../domain/shared.js';
import { offeredByOtherNotices } from '../projections/procedure-queries.js';
import { type Platform, consistentWith } from './platform.js';

export async function projectFacts(platform: Platform, projectId: string) {
  const { state } = await platform.commands.load(projectDecider, projectStream(projectId), true);
  const snapshot = projectSnapshot(state);
  if (!snapshot) throw new NotFound(`no project ${projectId}`);
  return snapshot;
}

/** The project as a notice on it needs it: with what its other notices under way already offer. */
export async function projectFactsForNotice(platform: Platform, projectId: string, exceptNoticeId?: string) {
  const snapshot = await projectFacts(platform, projectId);
  await readModelsAtHead(platform); // every notice on the project is listed
  return { ...snapshot, offeredElsewhere: await offeredByOtherNotices(platform.reads, projectId, exceptNoticeId) };
}

export async function noticeState(platform: Platform, noticeId: string): Promise<Exclude<NoticeState, { status: 'none' }>> {
  const { state } = await platform.commands.load(noticeDecider, noticeStream(noticeId), true);
  if (state.status === 'none') throw new NotFound(`no notice ${noticeId}`);
  return state;
}

export async function noticeFacts(platform: Platform, noticeId: string) {
  return noticeSnapshot(await noticeState(platform, noticeId))!;
}

/** The application's facts, with the log position of its latest submission (the first-come number). */
export async function applicationFactsOf(platform: Platform, applicationId: string): Promise<ApplicationFacts | null> {
  const events = await platform.events.readStream(applicationStream(applicationId));
  let state: ApplicationState = applicationDecider.initialState;
  let submittedPosition = 0;
  for (const e of events) {
    state = applicationDecider.evolve(state, { type: e.type, data: e.data } as never);
    if (e.type === 'ApplicationSubmitted') submittedPosition = e.position;
  }
  return state.status === 'none' ? null : applicationFacts(state, submittedPosition);
}

/** The notice an application belongs to (its id is `<noticeId>.<creditCode>`, but we read it from the stream). */
export async function noticeOfApplication(platform: Platform, applicationId: string): Promise<string> {
  const { state } = await platform.commands.load(applicationDecider, applicationStream(applicationId), true);
  if (state.status === 'none') throw new NotFound(`no application ${applicationId}`);
  return state.noticeId;
}

/** Waits until the read models reflect the whole log, so a list read from them is complete. */
export async function readModelsAtHead(platform: Platform): Promise<void> {
  await consistentWith(platform, await platform.events.headPosition());
}
