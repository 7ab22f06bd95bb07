// Line makers for the exportLines contract (read-store.test.ts): plain JavaScript, as a store may load
// them on a thread of its own. `where` names the thread that made the line.
import { threadId } from 'node:worker_threads';

export const idLine = (doc) => `${doc._id} ${doc.kind ?? '-'}\n`;
export const whereLine = (doc) => `${doc._id}@${threadId}\n`;
export const noteLine = (doc) => `${doc._id} ${doc.note}\n`;
export const failingLine = (doc) => {
  if (doc.n === 30) throw new Error('the line maker failed at n = 30');
  return `${doc._id}\n`;
};
