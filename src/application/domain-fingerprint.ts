// What a stream snapshot was evolved by: the domain's own files, hashed. Any change to them (an event's
// shape, an evolve, an upcaster in schemas.ts) gives another fingerprint, and the snapshots of the code
// before are not used: no one has to remember to bump a version.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function domainFingerprint(dir = fileURLToPath(new URL('../domain/', import.meta.url))): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir, { withFileTypes: true }).filter((f) => f.isFile()).map((f) => f.name).sort();
  for (const name of files) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(join(dir, name)));
  }
  return hash.digest('hex').slice(0, 32);
}
