// Prints a JWT signed with JWT_SECRET (or, without it, the development secret the server generated or
// will generate in DATA_DIR), carrying the configured issuer and audience, for local use:
//   npm run token -- --role housing_dept --district nanshan --sub officer-1
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { actorFromClaims } from '../src/api/auth.js';
import { ConfigError, authOptions, loadConfig } from '../src/config.js';

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
let auth;
try {
  auth = authOptions(loadConfig());
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(2);
}
if (!auth.secret) {
  console.error('JWT_JWKS_URL alone is configured: tokens come from the identity provider. npm run token signs with JWT_SECRET.');
  process.exit(2);
}
const lifetimeMs = parseDuration(values.expiresIn!);
if (auth.maxLifetimeS !== undefined && lifetimeMs > auth.maxLifetimeS * 1000) {
  console.error(`--expiresIn ${values.expiresIn} is longer than JWT_MAX_LIFETIME_S (${auth.maxLifetimeS} s): the server would refuse the token`);
  process.exit(2);
}
const sign = createSigner({
  key: auth.secret,
  algorithm: 'HS256',
  expiresIn: lifetimeMs,
  ...(auth.issuer ? { iss: auth.issuer } : {}),
  ...(auth.audience?.length ? { aud: auth.audience[0] } : {}),
});
console.log(sign(claims));

function parseDuration(s: string): number {
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) throw new Error(`bad --expiresIn ${s}`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
