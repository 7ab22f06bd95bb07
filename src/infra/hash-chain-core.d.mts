// Types of hash-chain-core.mjs (documented there); import them through hash-chain.ts.
export declare const GENESIS_HASH: string;
export declare function canonicalJson(value: unknown): string;
export declare function sha256Hex(text: string): string;
export declare function chainHash(prevHash: string, envelope: object): string;
export declare function canonicalJsonWith(fields: Record<string, unknown>, raw: Record<string, string>): string;
export declare function chainHashRaw(prevHash: string, fields: Record<string, unknown>, dataJson: string, metadataJson: string): string;
export declare function envelopeHash(
  prevHash: string,
  id: unknown,
  type: unknown,
  occurredAt: unknown,
  stream: unknown,
  revision: unknown,
  position: unknown,
  recordedAt: unknown,
  dataJson: string,
  metadataJson: string,
): string;
