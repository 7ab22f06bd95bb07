// Project listing (房源项目), stream `project-<id>`: registered → published ⇄ updated → withdrawn.
import { type Holding, requireMarketArea } from './ledger.js';
import {
  type Actor,
  type DecisionContext,
  type District,
  type DomainEvent,
  Duplicate,
  NotFound,
  RuleViolation,
  assertNever,
  requireManager,
} from './shared.js';

export const USE_TYPES = ['rnd', 'plant', 'office', 'other'] as const;
export type UseType = (typeof USE_TYPES)[number];
export const USE_TYPE_NAMES: Record<UseType, string> = { rnd: '研发用房', plant: '厂房', office: '办公', other: '其他' };
export const SUPPLY_MODES = ['rent', 'sale'] as const;
export type SupplyMode = (typeof SUPPLY_MODES)[number];
export const SUPPLY_MODE_NAMES: Record<SupplyMode, string> = { rent: '出租', sale: '出售' };

export interface Unit {
  unitId: string;
  building: string;
  floor: string;
  number: string;
  area: number;
}
export type NewUnit = Omit<Unit, 'unitId'>;

/** What the live platform shows beside the core fields (all optional, so an import loses nothing). */
export interface ProjectExtras {
  location?: { lng: number; lat: number };
  managingDepartment?: string;
  availableArea?: number; // 未租售用房面积
  ownershipType?: string; // 产权性质
  owner?: string; // 产权主体
  constructionStatus?: string; // 建设进度
  plannedStart?: string;
  plannedCompletion?: string;
  landArea?: number; // 用地面积
  managementFee?: number; // 元/㎡·月
  parkingSpaces?: number;
  saleStage?: string; // 租售阶段
  plannedSaleDate?: string;
  targetTenants?: string; // 拟租售对象/准入条件
  summary?: string;
  photos?: string[];
}

export interface ProjectFields extends ProjectExtras {
  name: string;
  district: District;
  address: string;
  useType: UseType;
  supplyModes: SupplyMode[];
  totalArea: number;
}
export type ProjectChanges = Partial<ProjectFields>;

/** The figures statistics count, carried by the events that change them so projections need no lookups. */
export interface StatFigures {
  district: District;
  useType: UseType;
  supplyModes: SupplyMode[];
  totalArea: number;
  /** The area put on the market (the typed availableArea field); withheld = totalArea − marketArea (ledger.ts). */
  marketArea?: number;
  /** On a withdrawal: the sold area that leaves the statistics with the project (nothing else is held then). */
  soldArea?: number;
}

export type ProjectEvent =
  | DomainEvent<'ProjectRegistered', ProjectFields & { projectId: string; units: Unit[] }>
  | DomainEvent<
      'ProjectUpdated',
      {
        projectId: string;
        changes: ProjectChanges;
        previous: ProjectChanges;
        reason: string;
        published: boolean;
        /** Present when a published project's counted figures change, so statistics can move them. */
        figures?: { before: StatFigures; after: StatFigures };
      }
    >
  | DomainEvent<'UnitsAdded', { projectId: string; units: Unit[] }>
  | DomainEvent<'UnitRemoved', { projectId: string; unitId: string; area: number; reason?: string }>
  /** Several units removed at once, by an update that lists the project's units (one event, not one per unit: an append has a size limit). */
  | DomainEvent<'UnitsRemoved', { projectId: string; units: { unitId: string; area: number }[]; reason: string }>
  | DomainEvent<'ProjectPublished', StatFigures & { projectId: string }>
  | DomainEvent<'ProjectWithdrawn', StatFigures & { projectId: string; reason: string }>;

export type ProjectCommand =
  | { type: 'RegisterProject'; projectId: string; fields: ProjectFields; units?: NewUnit[] }
  /** holdings: the space the project's records hold (ledger.ts), read at the log's head; none given, none held. */
  /** units: the project's whole unit list after the update (api.md: PATCH takes what POST does), matched by building, floor and number. */
  | { type: 'UpdateProject'; changes: ProjectChanges; reason: string; units?: NewUnit[]; holdings?: Holding[] }
  | { type: 'AddUnits'; units: NewUnit[] }
  | { type: 'RemoveUnit'; unitId: string; reason?: string; holdings?: Holding[] }
  | { type: 'PublishProject' }
  | { type: 'WithdrawProject'; reason: string; holdings?: Holding[] };

export type ProjectStatus = 'registered' | 'published' | 'withdrawn';
export type ProjectState =
  | { status: 'none' }
  | { status: ProjectStatus; projectId: string; fields: ProjectFields; units: Unit[]; publishedAt?: string };

export const initialProjectState: ProjectState = { status: 'none' };

const AREA_FIELDS = ['totalArea', 'landArea'] as const;

function checkAreas(fields: ProjectChanges): void {
  for (const key of AREA_FIELDS) {
    const v = fields[key];
    if (v !== undefined && !(v > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', `${key} must be positive`);
  }
  // Zero is real: everything let or sold (未租售用房面积 = 0).
  if (fields.availableArea !== undefined && !(fields.availableArea >= 0)) {
    throw new RuleViolation('AREA_NOT_POSITIVE', 'availableArea must not be negative');
  }
  if (fields.supplyModes !== undefined && fields.supplyModes.length === 0) {
    throw new RuleViolation('SUPPLY_MODE_REQUIRED', 'at least one supply mode (rent or sale) is required');
  }
}

/**
 * How many units one project lists. Its record keeps every unit (a read-model document holds them all, each
 * up to ~0.5 KB), and without a bound repeated additions of 5,000 would outgrow a document store's
 * document (MongoDB's 16 MB); a building complex rarely lists more than a few thousand.
 */
export const MAX_UNITS_PER_PROJECT = 10_000;

/** Checked where units are listed or added, not on every update: a project past the cap from before it still takes updates of its fields. */
function checkUnitCount(units: NewUnit[]): void {
  if (units.length > MAX_UNITS_PER_PROJECT) {
    throw new RuleViolation('PROJECT_UNIT_LIMIT', `a project lists at most ${MAX_UNITS_PER_PROJECT} units: register a further phase (分期) as a project of its own`);
  }
}

/** A unit is one building, floor and number in its project. */
const unitKey = (u: NewUnit) => `${u.building}\u0000${u.floor}\u0000${u.number}`;

function checkUnitsFit(units: NewUnit[], fields: ProjectFields): void {
  const keys = new Set<string>();
  let sum = 0;
  for (const u of units) {
    if (!(u.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', `unit ${u.building}-${u.floor}-${u.number}: area must be positive`);
    const key = unitKey(u);
    if (keys.has(key)) throw new RuleViolation('UNIT_DUPLICATE', `unit ${u.building}-${u.floor}-${u.number} is listed twice`);
    keys.add(key);
    sum += u.area;
  }
  if (sum > fields.totalArea + 1e-9) {
    throw new RuleViolation('UNITS_EXCEED_TOTAL_AREA', `units add up to ${sum} ㎡, more than the project's ${fields.totalArea} ㎡`);
  }
  if (fields.availableArea !== undefined && fields.availableArea > fields.totalArea) {
    throw new RuleViolation('AVAILABLE_EXCEEDS_TOTAL_AREA', `available area ${fields.availableArea} ㎡ exceeds the total ${fields.totalArea} ㎡`);
  }
}

/** Fields a public listing cannot do without. */
function missingForPublication(f: ProjectFields): string[] {
  const missing: string[] = [];
  if (!f.name.trim()) missing.push('name');
  if (!f.address.trim()) missing.push('address');
  if (!f.managingDepartment?.trim()) missing.push('managingDepartment');
  if (f.supplyModes.length === 0) missing.push('supplyModes');
  if (!(f.totalArea > 0)) missing.push('totalArea');
  return missing;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function figures(f: ProjectFields): StatFigures {
  return { district: f.district, useType: f.useType, supplyModes: [...f.supplyModes], totalArea: f.totalArea, marketArea: f.availableArea ?? f.totalArea };
}

function existing(state: ProjectState, actor: Actor) {
  if (state.status === 'none') throw new NotFound('no such project');
  requireManager(actor, state.fields.district);
  if (state.status === 'withdrawn') throw new RuleViolation('PROJECT_WITHDRAWN', 'the project has been withdrawn; nothing more may be done to it');
  return state;
}

type Listed = Exclude<ProjectState, { status: 'none' }>;

/**
 * A whole unit list in place of the project's: a unit no longer listed, or listed with another area, is
 * removed (refused while held, as a removal is), and one newly listed is added with a fresh id.
 */
function replaceUnits(s: Listed, wanted: NewUnit[], reason: string, holdings: Holding[], ctx: DecisionContext): ProjectEvent[] {
  const listed = new Map(wanted.map((u) => [unitKey(u), u.area]));
  const kept = new Set<string>();
  const removed: { unitId: string; area: number }[] = [];
  for (const unit of s.units) {
    const key = unitKey(unit);
    if (listed.get(key) === unit.area) {
      kept.add(key);
      continue;
    }
    const holder = holdings.find((h) => h.unitIds.includes(unit.unitId));
    if (holder) throw new RuleViolation('UNIT_HELD', `unit ${unit.building}-${unit.floor}-${unit.number} is ${holder.state} (${holder.key}); it cannot be removed or changed`);
    removed.push({ unitId: unit.unitId, area: unit.area });
  }
  const events: ProjectEvent[] = removed.length > 0 ? [{ type: 'UnitsRemoved', data: { projectId: s.projectId, units: removed, reason } }] : [];
  const added = wanted.filter((u) => !kept.has(unitKey(u))).map((u) => ({ unitId: ctx.newId(), building: u.building, floor: u.floor, number: u.number, area: u.area }));
  if (added.length > 0) events.push({ type: 'UnitsAdded', data: { projectId: s.projectId, units: added } });
  return events;
}

export function decideProject(command: ProjectCommand, state: ProjectState, ctx: DecisionContext): ProjectEvent[] {
  switch (command.type) {
    case 'RegisterProject': {
      requireManager(ctx.actor, command.fields.district);
      if (state.status !== 'none') throw new Duplicate('PROJECT_EXISTS', 'the project is already registered');
      // Until the department says otherwise, nothing is let or sold yet.
      const fields = { ...command.fields, availableArea: command.fields.availableArea ?? command.fields.totalArea };
      checkAreas(fields);
      const units = (command.units ?? []).map((u) => ({ unitId: ctx.newId(), ...u }));
      checkUnitCount(units);
      checkUnitsFit(units, fields);
      return [{ type: 'ProjectRegistered', data: { projectId: command.projectId, ...fields, units } }];
    }
    case 'UpdateProject': {
      const s = existing(state, ctx.actor);
      if (!command.reason.trim()) throw new RuleViolation('REASON_REQUIRED', 'an update must say why');
      const changes: ProjectChanges = {};
      const previous: ProjectChanges = {};
      for (const [key, value] of Object.entries(command.changes) as [keyof ProjectFields, unknown][]) {
        if (value === undefined || sameValue(s.fields[key], value)) continue;
        (changes as Record<string, unknown>)[key] = value;
        (previous as Record<string, unknown>)[key] = s.fields[key];
      }
      const changed = Object.keys(changes).length > 0;
      if (!changed && command.units === undefined) throw new RuleViolation('NOTHING_CHANGED', 'the update changes no field');
      if (changes.district !== undefined) requireManager(ctx.actor, changes.district);
      checkAreas(changes);
      const after = { ...s.fields, ...changes };
      // A listed unit list is the project's units after the update (those kept have the listed areas).
      if (command.units !== undefined) checkUnitCount(command.units);
      checkUnitsFit(command.units ?? s.units, after);
      const unitEvents = command.units === undefined ? [] : replaceUnits(s, command.units, command.reason, command.holdings ?? [], ctx);
      if (!changed) {
        if (unitEvents.length === 0) throw new RuleViolation('NOTHING_CHANGED', 'the update changes no field');
        return unitEvents;
      }
      if (changes.totalArea !== undefined || changes.availableArea !== undefined) {
        // The market area moves only between what is held and the total (ledger.ts).
        const ledger = { totalArea: s.fields.totalArea, marketArea: s.fields.availableArea ?? s.fields.totalArea, unitIds: s.units.map((u) => u.unitId), holdings: command.holdings ?? [] };
        requireMarketArea(ledger, after.availableArea ?? after.totalArea, after.totalArea);
      }
      const published = s.status === 'published';
      const moved = published && !sameValue(figures(s.fields), figures(after));
      // Held space is counted under the grouping its events carry; regrouping it would split the books.
      const regrouped = changes.district !== undefined || changes.useType !== undefined || changes.supplyModes !== undefined;
      const held = (command.holdings ?? []).map((h) => h.key);
      if (regrouped && held.length > 0) {
        throw new RuleViolation('PROJECT_SPACE_HELD', `space of the project is offered, allocated, let or sold (${held.join(', ')}); its district, use type and supply modes cannot change`);
      }
      return [
        {
          type: 'ProjectUpdated',
          data: {
            projectId: s.projectId,
            changes,
            previous,
            reason: command.reason,
            published,
            ...(moved ? { figures: { before: figures(s.fields), after: figures(after) } } : {}),
          },
        },
        ...unitEvents,
      ];
    }
    case 'AddUnits': {
      const s = existing(state, ctx.actor);
      if (command.units.length === 0) throw new RuleViolation('NO_UNITS', 'no units to add');
      const units = command.units.map((u) => ({ unitId: ctx.newId(), ...u }));
      checkUnitCount([...s.units, ...units]);
      checkUnitsFit([...s.units, ...units], s.fields);
      return [{ type: 'UnitsAdded', data: { projectId: s.projectId, units } }];
    }
    case 'RemoveUnit': {
      const s = existing(state, ctx.actor);
      const unit = s.units.find((u) => u.unitId === command.unitId);
      if (!unit) throw new NotFound(`no unit ${command.unitId} in this project`);
      const holder = (command.holdings ?? []).find((h) => h.unitIds.includes(unit.unitId));
      if (holder) throw new RuleViolation('UNIT_HELD', `unit ${unit.unitId} is ${holder.state} (${holder.key}); it cannot be removed`);
      return [{ type: 'UnitRemoved', data: { projectId: s.projectId, unitId: unit.unitId, area: unit.area, ...(command.reason ? { reason: command.reason } : {}) } }];
    }
    case 'PublishProject': {
      const s = existing(state, ctx.actor);
      if (s.status === 'published') throw new RuleViolation('PROJECT_ALREADY_PUBLISHED', 'the project is already published');
      const missing = missingForPublication(s.fields);
      if (missing.length > 0) throw new RuleViolation('PROJECT_INCOMPLETE', `cannot publish without: ${missing.join(', ')}`);
      return [{ type: 'ProjectPublished', data: { projectId: s.projectId, ...figures(s.fields) } }];
    }
    case 'WithdrawProject': {
      const s = existing(state, ctx.actor);
      if (s.status !== 'published') throw new RuleViolation('PROJECT_NOT_PUBLISHED', 'only a published project can be withdrawn');
      if (!command.reason.trim()) throw new RuleViolation('REASON_REQUIRED', 'a withdrawal must say why');
      // Refused rather than cancelling: applicants are owed a notice's own cancellation, with its reason.
      const underWay = (command.holdings ?? []).filter((h) => h.state === 'offered' || h.state === 'allocated').map((h) => h.key);
      if (underWay.length > 0) throw new RuleViolation('PROJECT_HAS_PROCEDURES_UNDER_WAY', `space is still offered or allocated (${underWay.join(', ')}); cancel or finish those first`);
      // A tenancy keeps its space until it ends; the project cannot leave the books under it.
      const tenants = (command.holdings ?? []).filter((h) => h.state === 'let').map((h) => h.key);
      if (tenants.length > 0) throw new RuleViolation('PROJECT_HAS_TENANCIES', `space is still let (${tenants.join(', ')}); the tenancies must end first`);
      const sold = (command.holdings ?? []).filter((h) => h.state === 'sold').reduce((t, h) => t + Math.round(h.area * 100), 0) / 100;
      return [{ type: 'ProjectWithdrawn', data: { projectId: s.projectId, reason: command.reason, ...figures(s.fields), ...(sold > 0 ? { soldArea: sold } : {}) } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveProject(state: ProjectState, event: ProjectEvent): ProjectState {
  switch (event.type) {
    case 'ProjectRegistered': {
      const { projectId, units, ...fields } = event.data;
      return { status: 'registered', projectId, fields, units };
    }
    case 'ProjectUpdated':
      if (state.status === 'none') return state;
      return { ...state, fields: { ...state.fields, ...event.data.changes } };
    case 'UnitsAdded':
      if (state.status === 'none') return state;
      return { ...state, units: [...state.units, ...event.data.units] };
    case 'UnitRemoved':
      if (state.status === 'none') return state;
      return { ...state, units: state.units.filter((u) => u.unitId !== event.data.unitId) };
    case 'UnitsRemoved': {
      if (state.status === 'none') return state;
      const gone = new Set(event.data.units.map((u) => u.unitId));
      return { ...state, units: state.units.filter((u) => !gone.has(u.unitId)) };
    }
    case 'ProjectPublished':
      if (state.status === 'none') return state;
      return { ...state, status: 'published' };
    case 'ProjectWithdrawn':
      if (state.status === 'none') return state;
      return { ...state, status: 'withdrawn' };
    default:
      return assertNever(event);
  }
}

export const projectDecider = { initialState: initialProjectState, decide: decideProject, evolve: evolveProject };
export const projectStream = (id: string) => `project-${id}`;
