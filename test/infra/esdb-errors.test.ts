// How the EventStoreDB client's errors become the port's (no server here: the client's own error classes,
// as its gRPC layer makes them, through our mapping). A refusal the server may not have written must be
// Unavailable, so the append is resent under the chain lock and a request gets a 503, never a 500.
import { AccessDeniedError, CancelledError, DeadlineExceededError, MaxAppendSizeExceededError, UnknownError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { portError } from '../../src/infra/esdb-support.js';
import { Unavailable } from '../../src/infra/event-store.js';

describe('EventStoreDB errors as the port names them', () => {
  it('an append the server could not take or whose outcome is unknown is Unavailable', () => {
    // The client's batch append names a detail it does not recognise "Could not recognize <message>".
    for (const message of ['Server Is Not Ready', 'Server Is Busy', 'No leader info available in response']) {
      expect(portError(new UnknownError(undefined, `Could not recognize ${message}`))).toBeInstanceOf(Unavailable);
    }
    expect(portError(new CancelledError())).toBeInstanceOf(Unavailable);
    expect(portError(new DeadlineExceededError())).toBeInstanceOf(Unavailable);
  });

  it('a refusal that is the caller’s or the server’s rule passes through as it is', () => {
    for (const err of [new UnknownError(undefined, 'Could not recognize something else'), MaxAppendSizeExceededError.fromMaxAppendSize(1024), new AccessDeniedError()]) {
      expect(portError(err)).toBe(err);
    }
  });
});
