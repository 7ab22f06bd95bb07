// Runs the procedure steps of the demo history (scripts/seed-procedure-data.ts) through the same functions
// as the HTTP routes (the use cases of src/application), so every cross-stream rule holds for the import too.
// A step is resolved to its stream and the number of events it appends there first (the resume check
// compares stream lengths), then run; what the plan names by its place (the n-th allocation of a notice, the
// open objection of an application) is read from the log at that moment.
import type { CommandHandler, CommandMeta, CommandResult } from '../src/application/command-handler.js';
import type { Services } from '../src/application/services.js';
import * as applications from '../src/application/applications.js';
import * as exchanges from '../src/application/exchanges.js';
import * as notices from '../src/application/notices.js';
import { applicationDecider, applicationIdFor, applicationStream } from '../src/domain/application.js';
import * as tenancies from '../src/application/tenancies.js';
import { exchangeDecider, exchangeStream } from '../src/domain/exchange.js';
import { tenancyStream } from '../src/domain/tenancy.js';
import { noticeDecider, noticeStream } from '../src/domain/notice.js';
import type { Actor } from '../src/domain/shared.js';
import type { EventStore } from '../src/infra/event-store.js';
import { type AllocationRef, ENTERPRISES, type ProcedureStep } from './seed-procedure-data.js';

const procedure = { ...notices, ...applications, ...exchanges };

/** A step ready to run: its stream, who takes it, and the call. */
export interface ResolvedStep {
  stream: string;
  /** Events the step appends to its stream, in one append (default 1): a forfeiture with its 递补 appends 2. */
  appends?: number;
  actor: Actor;
  run(services: Services, meta: CommandMeta): Promise<CommandResult>;
}

/** The allocation at `ref.place` (rank order) of a decided notice. */
async function allocationAt(reader: CommandHandler, ref: AllocationRef) {
  const { state } = await reader.load(noticeDecider, noticeStream(ref.noticeId), true);
  const allocation = state.status === 'none' ? undefined : state.allocation?.allocations[ref.place];
  if (!allocation) throw new Error(`notice ${ref.noticeId} has no allocation #${ref.place + 1} (is the allocation decided?)`);
  return allocation;
}

/** The enterprise holding an allocation, as the actor the plan knows it by. */
async function holderOf(reader: CommandHandler, ref: AllocationRef): Promise<Actor> {
  const { applicationId } = await allocationAt(reader, ref);
  const { state } = await reader.load(applicationDecider, applicationStream(applicationId), true);
  const holder = ENTERPRISES.find((e) => state.status !== 'none' && e.actor.creditCode === state.creditCode);
  if (!holder) throw new Error(`application ${applicationId} is not of an enterprise of the plan`);
  return holder.actor;
}

/** The id of the application's objection still open (drawn when it was filed). */
async function openObjection(events: EventStore, applicationId: string): Promise<string> {
  const open = new Set<string>();
  for (const e of await events.readStream(applicationStream(applicationId))) {
    const { objectionId } = e.data as { objectionId?: string };
    if (e.type === 'ObjectionFiled' && objectionId) open.add(objectionId);
    if (e.type === 'ObjectionResolved' && objectionId) open.delete(objectionId);
  }
  const [first] = open;
  if (!first) throw new Error(`application ${applicationId} has no open objection`);
  return first;
}

export async function resolveProcedureStep(step: ProcedureStep, events: EventStore, reader: CommandHandler): Promise<ResolvedStep> {
  const a = step.action;
  const actor = 'tenantOf' in step.actor ? await holderOf(reader, step.actor.tenantOf) : step.actor;
  const onNotice = (noticeId: string, run: ResolvedStep['run']): ResolvedStep => ({ stream: noticeStream(noticeId), actor, run });
  const onApplication = (applicationId: string, run: ResolvedStep['run']): ResolvedStep => ({ stream: applicationStream(applicationId), actor, run });
  const onExchange = (exchangeId: string, run: ResolvedStep['run']): ResolvedStep => ({ stream: exchangeStream(exchangeId), actor, run });
  const onTenancy = (tenancyId: string, run: ResolvedStep['run']): ResolvedStep => ({ stream: tenancyStream(tenancyId), actor, run });
  switch (a.type) {
    case 'publishNotice':
      return onNotice(a.args.noticeId, (p, m) => procedure.publishNotice(p, a.args, m));
    case 'closeNotice':
      return onNotice(a.noticeId, (p, m) => procedure.closeNotice(p, { noticeId: a.noticeId }, m));
    case 'startPublicity':
      return onNotice(a.noticeId, (p, m) => procedure.startPublicity(p, { noticeId: a.noticeId }, m));
    case 'decideAllocation':
      return onNotice(a.noticeId, (p, m) => procedure.decideAllocation(p, { noticeId: a.noticeId, method: a.method, ...(a.seed !== undefined ? { seed: a.seed } : {}) }, m));
    case 'publishResult':
      return onNotice(a.noticeId, (p, m) => procedure.publishResult(p, { noticeId: a.noticeId }, m));
    case 'forfeitAllocation':
      return {
        ...onNotice(a.noticeId, (p, m) => procedure.forfeitAllocation(p, { noticeId: a.noticeId, applicationId: a.applicationId, reason: 'signing_deadline' }, m)),
        appends: a.waitlisted ? 2 : 1,
      };
    case 'submitApplication': {
      if (!actor.creditCode) throw new Error('a submission is an enterprise’s step');
      return onApplication(applicationIdFor(a.args.noticeId, actor.creditCode), (p, m) => procedure.submitApplication(p, a.args, m));
    }
    case 'withdrawApplication':
      return onApplication(a.applicationId, (p, m) => procedure.withdrawApplication(p, { applicationId: a.applicationId, reason: a.reason }, m));
    case 'returnApplication':
      return onApplication(a.applicationId, (p, m) => procedure.returnApplication(p, { applicationId: a.applicationId, missing: a.missing }, m));
    case 'resubmitApplication':
      return onApplication(a.applicationId, (p, m) => procedure.resubmitApplication(p, { applicationId: a.applicationId, documents: a.documents }, m));
    case 'reviewQualification': {
      const { type: _type, ...review } = a;
      return onApplication(a.applicationId, (p, m) => procedure.reviewQualification(p, review, m));
    }
    case 'fileObjection':
      return onApplication(a.applicationId, (p, m) => procedure.fileObjection(p, { noticeId: a.noticeId, applicationId: a.applicationId, content: a.content }, m));
    case 'resolveObjection':
      return onApplication(a.applicationId, async (p, m) => procedure.resolveObjection(p, { objectionId: await openObjection(events, a.applicationId), upheld: a.upheld, reason: a.reason }, m));
    case 'recordContract': {
      const { applicationId, area } = await allocationAt(reader, a.allocation);
      return onApplication(applicationId, (p, m) => procedure.recordContract(p, { applicationId, area, contractRef: a.contractRef, signedOn: a.signedOn, ...a.terms }, m));
    }
    case 'requestExchange':
      return onExchange(a.exchangeId, (p, m) => procedure.requestExchange(p, { exchangeId: a.exchangeId, wanted: a.wanted, reason: a.reason }, m));
    case 'reviewExchange':
      return onExchange(a.exchangeId, (p, m) => procedure.reviewExchange(p, { exchangeId: a.exchangeId, approved: a.approved, reason: a.reason }, m));
    case 'publishExchangeResult':
      return onExchange(a.exchangeId, (p, m) => procedure.publishExchangeResult(p, { exchangeId: a.exchangeId }, m));
    case 'moveTenancy': {
      const { state } = await reader.load(exchangeDecider, exchangeStream(a.exchangeId), true);
      if (state.status === 'none') throw new Error(`no exchange ${a.exchangeId}`);
      return onTenancy(state.current.applicationId, (p, m) => tenancies.moveTenancy(p, { exchangeId: a.exchangeId }, m));
    }
    case 'renewTenancy': {
      const tenancyId = 'exchangeId' in a.tenancy ? a.tenancy.exchangeId : (await allocationAt(reader, a.tenancy)).applicationId;
      return onTenancy(tenancyId, (p, m) => tenancies.renewTenancy(p, { tenancyId, endsOn: a.endsOn, ...(a.monthlyRent !== undefined ? { monthlyRent: a.monthlyRent } : {}), reason: a.reason }, m));
    }
    case 'recoverTenancy': {
      const tenancyId = a.tenancy.exchangeId;
      return onTenancy(tenancyId, (p, m) => tenancies.recoverTenancy(p, { tenancyId, grounds: a.grounds, reasons: a.reasons }, m));
    }
    case 'exitTenancy': {
      const { applicationId } = await allocationAt(reader, a.tenancy);
      return onTenancy(applicationId, (p, m) => tenancies.exitTenancy(p, { tenancyId: applicationId, reason: a.reason }, m));
    }
    default: {
      const unknown: never = a;
      throw new Error(`unknown procedure step ${JSON.stringify(unknown)}`);
    }
  }
}
