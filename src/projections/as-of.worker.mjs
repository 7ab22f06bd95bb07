// Entry of the as-of thread (as-of-thread.ts): compiled (npm run build), its JavaScript sits beside this
// file; from the sources (npm start, tests) tsx compiles it. A worker does not inherit the loader tsx
// registered on the main thread, and Node 20 ignores `--import tsx` for a worker, hence tsx's API.
import fs from 'node:fs';

const compiled = new URL('./as-of-thread.js', import.meta.url);
if (fs.existsSync(compiled)) await import(compiled.href);
else {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport('./as-of-thread.ts', import.meta.url);
}
