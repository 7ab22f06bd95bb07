// Anchored tamper evidence: a signed checkpoint (head position + its chain hash, Ed25519) appended to the
// log as an event of the `system-checkpoints` stream and published outside it (AnchorLedger, and NATS
// through the event publisher). verifyLog() checks the chain, then the newest anchor whose signature
// holds: the log must still reach its position with the same hash there, so deleting the newest events
// or recomputing the chain after a rewrite is detected.
import { type KeyObject, createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify } from 'node:crypto';
import type { Anchor, AnchorLedger } from '../infra/checkpoint-anchors.js';
import type { EventStore, VerifyResult } from '../infra/event-store.js';
import { canonicalJson } from '../infra/hash-chain.js';

export const CHECKPOINT_STREAM = 'system-checkpoints';
export const CHECKPOINT_EVENT = 'LogCheckpointed';
const SYSTEM_ACTOR = { id: 'system', role: 'system', name: '平台（签名检查点）' };

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** An Ed25519 private key from PEM; its id is the first 16 hex digits of the public key's SHA-256. */
export function signingKeyFrom(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`CHECKPOINT_SIGNING_KEY must be an Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
  return { privateKey, publicKey, keyId };
}

const signedText = (a: Pick<Anchor, 'position' | 'hash' | 'signedAt' | 'keyId'>) =>
  Buffer.from(canonicalJson({ position: a.position, hash: a.hash, signedAt: a.signedAt, keyId: a.keyId }), 'utf8');

export function signatureHolds(anchor: Anchor, key: SigningKey): boolean {
  try {
    return anchor.keyId === key.keyId && verify(null, signedText(anchor), key.publicKey, Buffer.from(anchor.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The signed statement that the log's link at `position` is `hash`. */
export function signAnchor(link: { position: number; hash: string }, signedAt: string, key: SigningKey): Anchor {
  const unsigned = { position: link.position, hash: link.hash, signedAt, keyId: key.keyId };
  return { ...unsigned, algorithm: 'Ed25519', signature: sign(null, signedText(unsigned), key.privateKey).toString('base64') };
}

/**
 * Signs the head, appends the checkpoint event and publishes the anchor. Nothing when the log is empty
 * or nothing but the previous checkpoint was appended since (a quiet log is not signed over and over).
 */
export async function checkpoint(events: EventStore, ledger: AnchorLedger, key: SigningKey, now: string): Promise<Anchor | null> {
  // The last event itself, never a read at `position - 1`: on EventStoreDB that is no event's position.
  const head = await events.lastEvent();
  if (!head?.hash || head.stream === CHECKPOINT_STREAM) return null;
  const anchor = signAnchor({ position: head.position, hash: head.hash }, now, key);
  const requestId = randomUUID();
  await events.append(
    CHECKPOINT_STREAM,
    [{ id: randomUUID(), type: CHECKPOINT_EVENT, data: anchor, occurredAt: now, metadata: { actor: SYSTEM_ACTOR, correlationId: requestId, causationId: null, requestId, schemaVersion: 1 } }],
    'any',
  );
  // Published after the append: an anchor always names a head that was in the log.
  await ledger.publish(anchor);
  return anchor;
}

export interface AnchoredVerifyResult extends VerifyResult {
  /** The newest signed checkpoint the log matched. */
  checkpoint?: Anchor;
  /** Why an otherwise intact chain fails against its anchor. */
  reason?: string;
}

/**
 * The chain, then the newest validly signed anchor: still within the log, with the same hash. One pass
 * over the log finds both (the anchor's link is reported by verify itself), on every adapter.
 */
export async function verifyLog(events: EventStore, ledger: AnchorLedger | null, key: SigningKey | null): Promise<AnchoredVerifyResult> {
  const newest = ledger && key ? (await ledger.read()).filter((a) => signatureHolds(a, key)).at(-1) : undefined;
  const { link, ...chain } = await events.verify(newest ? { linkAt: newest.position } : {});
  if (!chain.ok || !newest) return chain;
  if (link?.position === newest.position) {
    if (link.hash === newest.hash) return { ...chain, checkpoint: newest };
    return { ok: false, checked: chain.checked, firstBadPosition: newest.position, reason: `the chain hash at ${newest.position} differs from the signed checkpoint: the log was rewritten` };
  }
  // A bounded pass (EventStoreDB's scan limit) that stopped before the anchor can say nothing about it.
  if (chain.partial) return chain;
  const head = await events.headPosition();
  if (head < newest.position) {
    return { ok: false, checked: chain.checked, firstBadPosition: head + 1, reason: `the log ends at ${head}, but a signed checkpoint covers up to ${newest.position}: events were removed` };
  }
  return { ok: false, checked: chain.checked, firstBadPosition: newest.position, reason: `no event stands at ${newest.position}, which a signed checkpoint covers: the log was rewritten` };
}

/** Signs a checkpoint every `intervalMs` (a failed one is retried at the next tick); returns stop(). */
export function startCheckpoints(
  events: EventStore,
  anchors: { ledger: AnchorLedger; key: SigningKey },
  now: () => string,
  intervalMs: number,
  onError: (err: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    checkpoint(events, anchors.ledger, anchors.key, now())
      .catch(onError)
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
