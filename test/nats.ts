// The NATS server the tests use (NATS_TEST_URL, else 127.0.0.1:4222), and whether it answers. Where NATS
// was asked for (CI, or NATS_TEST_URL named explicitly) a missing server is a failure, not a skip.
import { connect } from 'nats';

export const NATS = process.env.NATS_TEST_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Whether NATS answers; throws where it must (CI), else warns that `what` is skipped. */
export async function natsUp(what: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS, timeout: 1500 });
    await nc.close();
    return true;
  } catch {
    if (process.env.CI || process.env.NATS_TEST_URL) throw new Error(`NATS is not reachable at ${NATS}: start it (.ci/run does) or unset NATS_TEST_URL`);
    console.warn(`${what} skipped: no NATS server at ${NATS}`);
    return false;
  }
}
