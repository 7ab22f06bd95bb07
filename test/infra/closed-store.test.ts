// A closed embedded store lets go of its documents, though something (a closure, a timer) still holds it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';

it('drops its documents and indexes when closed', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
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
