// Generated time texts for the property tests of the fast paths of utc() and cstDay().
import fc from 'fast-check';

/** Times toISOString prints, and the same with one character replaced (impossible days, hour 24, letters…). */
export const isoTexts = (() => {
  const canonical = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
  const nearMiss = fc.tuple(canonical, fc.nat({ max: 23 }), fc.constantFrom(...'0123456789-:.TZ+ x')).map(([s, i, c]) => s.slice(0, i) + c + s.slice(i + 1));
  return fc.oneof(canonical, nearMiss);
})();
