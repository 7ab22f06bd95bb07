// Prints a JWT signed with JWT_SECRET, for local use:
//   npm run token -- --role housing_dept --district nanshan --sub officer-1
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { actorFromClaims } from '../src/api/auth.js';
import { loadConfig } from '../src/config.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    district: { type: 'string' },
    sub: { type: 'string' },
    creditCode: { type: 'string' },
    name: { type: 'string' },
    expiresIn: { type: 'string', default: '12h' },
  },
});
if (!values.role) {
  console.error('usage: npm run token -- --role <city_admin|housing_dept|enterprise|auditor> [--district <code>|city] [--sub <id>] [--creditCode <code>] [--name <name>]');
  process.exit(2);
}
const claims = {
  sub: values.sub ?? `${values.role}-local`,
  role: values.role,
  ...(values.district ? { district: values.district } : {}),
  ...(values.creditCode ? { creditCode: values.creditCode } : {}),
  ...(values.name ? { name: values.name } : {}),
};
try {
  actorFromClaims(claims); // the same check the server makes
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const config = loadConfig();
const sign = createSigner({ key: config.jwtSecret, expiresIn: parseDuration(values.expiresIn!) });
console.log(sign(claims));

function parseDuration(s: string): number {
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) throw new Error(`bad --expiresIn ${s}`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
