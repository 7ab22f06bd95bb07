// Stored documents are made in a V8 context of their own. V8 keeps a context's hidden classes in trees of
// transitions hanging off a few root maps (the one `{}` starts from, which JSON.parse shares for objects of
// four keys; one per object-literal size), at most ~1,500 transitions per map. Documents hold objects keyed
// by data (a project's units by unit id, an application's reviews by review id), so every such first key
// took a transition: a million events' read models filled the roots at load, and every object shape the
// server's own code met for the first time afterwards (a request's, a reply's) got a hidden class of its
// own per object, made in the old generation. That was the server's "heavy state" (README, Speed): /health
// at 1M events ~100 µs of main thread and ~0.8 KB promoted a request, ~60 µs and none with documents made here.
import vm from 'node:vm';

const realm = vm.createContext();
// Their constructors are this context's Object and Array, so code that tells plain data by its constructor
// (mingo, zod, vitest's toStrictEqual) takes them for what they are.
(vm.runInContext(
  `(O, A) => {
    Object.defineProperty(Object.prototype, 'constructor', { value: O, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(Array.prototype, 'constructor', { value: A, writable: true, configurable: true, enumerable: false });
  }`,
  realm,
) as (o: ObjectConstructor, a: ArrayConstructor) => void)(Object, Array);

/** The prototype of the objects of stored documents (this context's Object.prototype). */
export const DOC_PROTO = vm.runInContext('Object.prototype', realm) as object;

/** A stored document's text parsed into this context's objects. */
export const parseDoc = vm.runInContext('JSON.parse', realm) as (text: string) => unknown;

/** An empty object of a stored document. */
export const newDocNode = vm.runInContext('() => ({})', realm) as () => Record<string, unknown>;

/** A shallow copy of an object of a stored document, made in this context (a spread there: as fast as one here). */
export const copyDocNode = vm.runInContext('(o) => ({ ...o })', realm) as <T extends object>(node: T) => T;

/**
 * A shallow copy of an object nested in a document, kept as a dictionary when it has more than 16 keys.
 * Such an object was made by the store's keyed writes (units by unit id, entries by position), which V8
 * keeps as a dictionary past 12 out-of-object properties; a spread of it made a hidden class per key
 * (~20-57 µs for a project's 25 units, and the classes left behind in the old generation). Copied into an
 * object without a prototype, which takes none, then given the documents' prototype: ~5 µs.
 */
export const copyNestedNode = vm.runInContext(
  `(o) => {
    let n = 0;
    for (const k in o) if (++n > 16) break;
    if (n <= 16) return { ...o };
    const c = Object.create(null);
    for (const k in o) c[k] = o[k];
    return Object.setPrototypeOf(c, Object.prototype); // this context's: the documents' prototype
  }`,
  realm,
) as <T extends object>(node: T) => T;

/** True for the prototypes plain data objects have: this context's Object.prototype, the documents' or none. */
export const isPlainPrototype = (proto: unknown): boolean => proto === Object.prototype || proto === DOC_PROTO || proto === null;
