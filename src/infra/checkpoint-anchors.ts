// Where signed log checkpoints are published outside the log, so removing the newest events (checkpoint
// included) or rewriting the whole chain is still caught: one JSON line per checkpoint in a file (by
// default DATA_DIR/checkpoints.jsonl; copy it elsewhere, or point it at other storage, to keep it out of
// reach of whoever can edit the log). NATS carries the checkpoint events too, through the event publisher.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** A checkpoint as published: the head it covers and its Ed25519 signature over the canonical text. */
export interface Anchor {
  position: number;
  hash: string;
  signedAt: string;
  keyId: string;
  algorithm: 'Ed25519';
  /** base64 */
  signature: string;
}

export interface AnchorLedger {
  publish(anchor: Anchor): Promise<void>;
  /** Every published anchor, oldest first (lines that do not parse are skipped: they prove nothing). */
  read(): Promise<Anchor[]>;
}

export class FileAnchorLedger implements AnchorLedger {
  constructor(readonly file: string) {}

  async publish(anchor: Anchor): Promise<void> {
    appendFileSync(this.file, JSON.stringify(anchor) + '\n');
  }

  async read(): Promise<Anchor[]> {
    if (!existsSync(this.file)) return [];
    const out: Anchor[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const a = JSON.parse(line) as Anchor;
        if (Number.isInteger(a.position) && typeof a.hash === 'string' && typeof a.signature === 'string') out.push(a);
      } catch {
        // a torn last line after a crash
      }
    }
    return out;
  }
}
