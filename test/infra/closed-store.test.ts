// A closed embedded store lets go of its documents, though something (a closure, a timer) still holds it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';

/** V8's gc(), exposed at run time: vitest runs without --expose-gc. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

it('drops its documents and indexes when closed', async () => {
  const gc = exposedGc();
  const store = EmbeddedReadStore.open(null);
  await store.ensureIndexes([{ collection: 'c', keys: { kind: 1 } }]);
  await store.commit('p', [{ collection: 'c', id: 'a', position: 1, set: { kind: 'k', note: '一份文件' } }], 1);
  const doc = new WeakRef((await store.find('c', { kind: 'k' }))[0]!);
  await store.close();
  for (let k = 0; k < 20 && doc.deref() !== undefined; k++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  expect(doc.deref()).toBeUndefined();
  await expect(store.find('c', {})).rejects.toThrow(/closed/);
});

it('with a file, lets go of them once they are sent to it, before the file is closed', async () => {
  const gc = exposedGc();
  const dir = mkdtempSync(join(tmpdir(), 'closed-store-'));
  try {
    const store = EmbeddedReadStore.open(dir);
    await store.commit('p', [{ collection: 'c', id: 'a', position: 1, set: { note: '一份文件' } }], 1);
    const doc = new WeakRef((await store.findOne('c', { _id: 'a' }))!);
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the job ends
    let fileClosed = false;
    const closing = store.close().then(() => (fileClosed = true));
    gc(); // the rebuild's script collects here, while the writer thread finishes the file
    expect(fileClosed).toBe(false);
    expect(doc.deref()).toBeUndefined();
    await closing;
    const again = EmbeddedReadStore.open(dir);
    expect(await again.findOne('c', { _id: 'a' })).toEqual({ _id: 'a', note: '一份文件', _position: 1 });
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
