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
 * Objects keyed by data (units by unit id, entries by position `p123`, applications by encoded id) are kept
 * as dictionaries, in every size. Made as ordinary objects, their keys took this context's transitions: the
 * first key of each from its root map, which holds ~1,500, full within the first 10,000 rows of a history;
 * from then on every such object got hidden classes of its own (the key frames at 1M events: 1.08M of them,
 * with their descriptor arrays and enumeration caches ~350 MB, and builds of 810 MB live in some runs,
 * 1,076 MB in others, as those classes fell). An object is told keyed by data by its first key: one holding
 * a digit, '-' or '%'. Field names hold none of those as first keys (`sha256` comes later in its objects).
 * A wrong guess costs speed, never meaning.
 */
const realmCopies = vm.runInContext(
  `(() => {
    const DATA_KEY = /[-%0-9]/;
    const dictionary = () => Object.setPrototypeOf(Object.create(null), Object.prototype); // this context's: the documents' prototype
    const dataKeyed = (o) => { for (const k in o) return DATA_KEY.test(k); return false; };
    return {
      newNode: (firstKey) => (DATA_KEY.test(firstKey) ? dictionary() : {}),
      forKeysOf: (o) => (dataKeyed(o) ? dictionary() : {}),
      copyNested: (o) => {
        let n = 0;
        for (const k in o) if (++n > 16) break;
        if (n <= 16 && !dataKeyed(o)) return { ...o };
        const c = dictionary();
        for (const k in o) c[k] = o[k];
        return c;
      },
    };
  })()`,
  realm,
) as {
  newNode: (firstKey: string) => Record<string, unknown>;
  forKeysOf: (source: object) => Record<string, unknown>;
  copyNested: <T extends object>(node: T) => T;
};

/** An empty object of a stored document that will be given `firstKey` first: a dictionary when that is data. */
export const newDocNodeFor = realmCopies.newNode;

/** An empty object of a stored document to receive the keys of `source`: a dictionary when they are data. */
export const newDocNodeLike = realmCopies.forKeysOf;

/**
 * A shallow copy of an object nested in a document: a dictionary when it is keyed by data or has more than
 * 16 keys (a spread of a dictionary made a hidden class per key: ~20-57 µs for a project's 25 units), else
 * a spread.
 */
export const copyNestedNode = realmCopies.copyNested;

/** True for the prototypes plain data objects have: this context's Object.prototype, the documents' or none. */
export const isPlainPrototype = (proto: unknown): boolean => proto === Object.prototype || proto === DOC_PROTO || proto === null;
