// The line maker a format names (ReadStore.exportLines), loaded once per thread: by the serving thread for
// exports made there (line-export.ts) and by each export thread (log-export.worker.mjs). Plain JavaScript,
// as those threads run without the TypeScript loader. Types: line-makers.d.mts.
const makers = new Map();

/** The format's module's export of that name, checked to be a function; the same promise every time. */
export function lineMaker(format) {
  const key = `${format.module}#${format.name}`;
  let maker = makers.get(key);
  if (!maker) {
    maker = import(format.module).then((m) => {
      const f = m[format.name];
      if (typeof f !== 'function') throw new Error(`${format.module} exports no line maker named ${format.name}`);
      return f;
    });
    makers.set(key, maker);
  }
  return maker;
}
