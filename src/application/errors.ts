// Refusals raised by the application layer itself (not by a rule of one stream); src/api maps them.

/** The read models have not reached a position within the bounded wait: 503 with Retry-After. */
export class NotCaughtUp extends Error {
  constructor(
    readonly wanted: number,
    readonly reached: number,
  ) {
    super(`read models have not reached position ${wanted} yet (at ${reached})`);
    this.name = 'NotCaughtUp';
  }
}
