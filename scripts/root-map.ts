// Whether V8's root maps in this process still take transitions (src/infra/doc-realm.ts): two objects given
// `fixedKeys` keys and then a key never used before share a hidden class. When a root map is full, every
// shape first met afterwards gets a hidden class per object (the README's "heavy state"). A diagnostic for
// the bench's server and the tests: it turns on V8's natives syntax in the process that calls it.
import { setFlagsFromString } from 'node:v8';

let sameMap: ((a: object, b: object) => boolean) | null = null;
let probes = 0;

export function rootMapTakesTransitions(fixedKeys = 0): boolean {
  if (sameMap === null) {
    setFlagsFromString('--allow-natives-syntax');
    sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  }
  const key = `never_seen_${probes++}`;
  const make = () => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < fixedKeys; i++) o[`f${i}`] = i;
    o[key] = 1;
    return o;
  };
  return sameMap(make(), make());
}
