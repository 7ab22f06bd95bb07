// The boundaries between the parts (README, "Architecture") are lint rules: a wrong import fails CI.
// Each case lints one line as if it stood in a file of that part, and must be refused, or allowed.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
const restricted = async (file: string, code: string) => {
  const [result] = await eslint.lintText(`${code}\nexport const x = y;\n`, { filePath: file });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

describe('lint enforces the boundaries between the parts', () => {
  it.each([
    ['src/domain/x.ts', "import { y } from '../infra/event-store.js';"],
    ['src/domain/x.ts', "import { y } from '../projections/notices.js';"],
    ['src/domain/x.ts', "import { y } from 'zod';"],
    ['src/domain/x.ts', "import { y } from 'node:fs';"],
    ['src/projections/x.ts', "import { y } from '../application/services.js';"],
    ['src/projections/x.ts', "import { y } from '../api/present.js';"],
    ['src/infra/x.ts', "import { y } from '../domain/shared.js';"],
    ['src/infra/x.ts', "import { y } from '../application/services.js';"],
    ['src/infra/x.ts', "import { y } from '../api/app.js';"],
    ['src/application/x.ts', "import { y } from '../api/problem.js';"],
    ['src/application/x.ts', "import { y } from 'fastify';"],
    ['src/api/routes/x.ts', "import { y } from '../../infra/sqlite-event-store.js';"],
    ['scripts/x.ts', "import { y } from '../src/api/routes/projects.js';"],
    ['test/api/x.test.ts', "import { y } from '../../src/api/visibility.js';"],
  ])('%s may not say %s', async (file, code) => {
    expect(await restricted(file, code)).toHaveLength(1);
  });

  it.each([
    ['src/domain/x.ts', "import { y } from './shared.js';"],
    ['src/domain/x.ts', "import { y } from 'node:crypto';"],
    ['src/projections/x.ts', "import { y } from '../domain/notice.js';"],
    ['src/application/x.ts', "import { y } from '../projections/notices.js';"],
    ['src/api/x.ts', "import { y } from '../application/services.js';"],
    ['src/api/x.ts', "import { y } from '../infra/event-store.js';"],
    ['scripts/x.ts', "import { y } from '../src/application/notices.js';"],
  ])('%s may say %s', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
