// given/when/then for deciders, after Emmett's DeciderSpecification, narrowed to our needs.
import { expect } from 'vitest';
import type { Actor, Decider, DecisionContext, DomainEvent } from '../../src/domain/shared.js';

export function testContext(actor: Actor, now = '2026-01-05T02:00:00.000Z'): DecisionContext {
  let n = 0;
  return { actor, now, newId: () => `id-${++n}` };
}

export function spec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return (given: E[]) => ({
    when: (command: C, ctx: DecisionContext) => {
      const run = () => {
        // A snapshot keeps the state as JSON text (command-handler.ts): evolved from events as the log
        // gives them back (JSON), it must come back exactly.
        const logged = (JSON.parse(JSON.stringify(given)) as E[]).reduce(decider.evolve, decider.initialState);
        expect(JSON.parse(JSON.stringify(logged)), 'the state after `given`, through a snapshot').toStrictEqual(logged);
        return decider.decide(command, given.reduce(decider.evolve, decider.initialState), ctx);
      };
      return {
        then: (expected: E[]) => expect(run()).toEqual(expected),
        thenMatches: (check: (events: E[]) => void) => check(run()),
        thenThrows: (errorClass: new (...args: never[]) => Error, code?: string) => {
          let caught: unknown;
          try {
            run();
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(errorClass);
          if (code !== undefined) expect((caught as { code?: string }).code).toBe(code);
        },
      };
    },
  });
}

export const actors = {
  admin: { id: 'admin-1', role: 'city_admin', name: '市规划国土委' } satisfies Actor,
  nanshan: { id: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房建设局' } satisfies Actor,
  futian: { id: 'officer-ft', role: 'housing_dept', district: 'futian', name: '福田区住房建设局' } satisfies Actor,
  cityDept: { id: 'officer-city', role: 'housing_dept', district: 'city', name: '市工业和信息化局' } satisfies Actor,
  enterprise: { id: 'ent-1', role: 'enterprise', creditCode: '91440300MA5DXXXX1A', name: '深圳市创新科技有限公司' } satisfies Actor,
  enterprise2: { id: 'ent-2', role: 'enterprise', creditCode: '91440300MA5DYYYY2B', name: '深圳市智造有限公司' } satisfies Actor,
  auditor: { id: 'auditor-1', role: 'auditor', name: '市纪委监委派驻组' } satisfies Actor,
} as const;
