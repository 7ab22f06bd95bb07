// Lint: typescript-eslint's recommended rules on our sources; generated and installed files are ignored.
// The boundaries between the parts (README, "Architecture") are rules here, so a wrong import fails CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** An import of one of these parts of src/, from anywhere below src/. */
const part = (...names) => `^(\\.\\./)+(${names.join('|')})(/|\\.js$)`;
const forbid = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: patterns.map(([regex, message]) => ({ regex, message })) }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'dist/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Domain: pure. Nothing outside src/domain, no package but node:crypto's hashes (pure functions).
  forbid(['src/domain/**'], [
    ['^\\.\\./', 'the domain imports nothing outside src/domain: facts from other parts arrive as data'],
    ['^(?!\\.|node:crypto$)', 'the domain uses no package, framework or I/O (node:crypto hashes only)'],
  ]),
  forbid(['src/projections/**'], [[part('application', 'api', 'main', 'config'), 'projections never import the application or the api']]),
  forbid(['src/infra/**'], [[part('domain', 'application', 'api', 'projections', 'main'), 'infra adapters implement ports with their own small types: no domain, application, projections or api']]),
  forbid(['src/application/**'], [
    [part('api', 'main'), 'the application never imports the api (HTTP) or the composition root'],
    ['^(fastify|@fastify/|fastify-)', 'the application knows no HTTP framework'],
  ]),
  forbid(['src/api/**'], [['^(\\.\\./)+infra/(?!(event-store|read-store|bus)\\.js$)', 'the api reaches adapters only through their ports (event-store, read-store, bus)']]),
  forbid(['scripts/**', 'test/**'], [['(^|/)src/api/(?!(app|auth)\\.js$)', 'scripts and tests call src/application (or start the app through src/api/app.js, tokens through src/api/auth.js), never route internals']]),
);
