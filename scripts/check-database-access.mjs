#!/usr/bin/env node
/**
 * What dependency-cruiser cannot see, because it reads imports, not code (see .dependency-cruiser.cjs):
 *
 * 1. Repositories own all SQL: in packages/gateway/src and packages/cli/src, no file outside the
 *    gateway's repositories/ imports Kysely, builds a query (.selectFrom( .insertInto( .updateTable(
 *    .deleteFrom( sql`…`) or reaches into a database handle (`database.db`, `handle.db`,
 *    `const { db } = database`). A handle passed around as a type is fine; only createRepositories
 *    takes it apart.
 * 2. Status logic lives in core: no file in packages/gateway/src or packages/cli/src compares a
 *    status with a counterpay status literal (`payment.status === 'succeeded'`, `'failed' !== status`);
 *    use core's predicates (isProcessing, isFinalPaymentStatus, isRefundable, …) or an exhaustive
 *    `Record<PaymentStatus, …>` table. The literals are read from core (PAYMENT_STATUSES,
 *    REFUND_STATUSES), so a dialect's own words ('expired', 'FAILED') and a wallet's ('paid') are not
 *    flagged. Repositories may use status values inside SQL, which these patterns do not match.
 *
 * Tests (*.test.ts) and src/testing/** are exempt. Lines that are only a comment are skipped.
 * Plain Node, no dependencies. Exits 1 and lists file:line for every finding.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** The status values core defines; the check refuses to run if it cannot find them. */
function coreStatusValues() {
  const source = readFileSync(join(root, 'packages/core/src/payment-state.ts'), 'utf8');
  const values = new Set();
  for (const name of ['PAYMENT_STATUSES', 'REFUND_STATUSES']) {
    const list = new RegExp(`export const ${name} = \\[([^\\]]*)\\] as const`).exec(source);
    if (!list) throw new Error(`${name} not found in packages/core/src/payment-state.ts: update scripts/check-database-access.mjs`);
    for (const [, value] of list[1].matchAll(/'([^']+)'/g)) values.add(value);
  }
  return [...values];
}

const STATUS = coreStatusValues().join('|');
const STATUS_NAME = String.raw`[\w$.?\])]*[sS]tatus\b`;
const STATUS_LITERAL = String.raw`(['"\`])(?:${STATUS})\1`;

const DATABASE_RULES = [
  { rule: 'kysely-only-in-repositories', pattern: /\bfrom\s+['"]kysely['"]|\bimport\(\s*['"]kysely['"]\s*\)/ },
  { rule: 'query-only-in-repositories', pattern: /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(/ },
  { rule: 'sql-only-in-repositories', pattern: /\bsql\s*(<[^>]*>)?\s*`|\bsql\.(raw|ref|lit|id|table|join|val)\s*\(/ },
  { rule: 'database-handle-only-in-repositories', pattern: /\w*(database|handle|Database|Handle)\??\.db\b|\{[^}]*\bdb\b[^}]*\}\s*=\s*[\w.]*(database|handle|Database|Handle)\b/ },
];
const STATUS_RULES = [
  { rule: 'status-literal-outside-core', pattern: new RegExp(String.raw`${STATUS_NAME}\s*[!=]==?\s*${STATUS_LITERAL}`) },
  { rule: 'status-literal-outside-core', pattern: new RegExp(String.raw`${STATUS_LITERAL}\s*[!=]==?\s*${STATUS_NAME}`) },
];

const SCANS = [
  { dir: 'packages/gateway/src', skip: /^packages\/gateway\/src\/repositories\//, rules: [...DATABASE_RULES, ...STATUS_RULES] },
  { dir: 'packages/cli/src', skip: null, rules: [...DATABASE_RULES, ...STATUS_RULES] },
];

const isExempt = (path) => path.endsWith('.test.ts') || path.includes('/testing/');
const isCommentLine = (line) => /^\s*(\/\/|\/\*|\*)/.test(line);

function sourceFiles(dir) {
  return readdirSync(join(root, dir), { recursive: true })
    .map((name) => join(dir, String(name)).split(sep).join('/'))
    .filter((path) => path.endsWith('.ts') && !isExempt(path))
    .sort();
}

const findings = [];
for (const scan of SCANS) {
  for (const path of sourceFiles(scan.dir)) {
    if (scan.skip?.test(path)) continue;
    const lines = readFileSync(join(root, path), 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (isCommentLine(line)) return;
      for (const { rule, pattern } of scan.rules) {
        if (pattern.test(line)) findings.push(`${path}:${index + 1}  ${rule}  ${line.trim()}`);
      }
    });
  }
}

if (findings.length > 0) {
  console.error(`${findings.length} database-access / status rule violation(s) (see docs/ARCHITECTURE.md):`);
  for (const finding of findings) console.error(`  ${finding}`);
  process.exit(1);
}
console.log('database access and status literals: ok');
