/**
 * counterpay's architecture rules, checked by `npm run check:rules` (part of `npm test`).
 * docs/ARCHITECTURE.md says what each part is for; scripts/check-database-access.mjs checks what
 * imports cannot show (query-builder calls, database handles, status literals).
 *
 * Workspace packages resolve through node_modules/@counterpay/* (symlinks) to packages/<name>/src,
 * so rules name them by their real path; `not-unresolvable` makes a failed resolution an error
 * instead of a rule that silently never matches.
 */

/** Tests and test helpers may set up databases and files; they are exempt where a rule says so. */
const TESTS = ['\\.test\\.ts$', '/src/testing/'];

const CORE = '^packages/core/src/';
const DB = '^packages/db/src/';
const CONNECTORS = '^packages/connectors/src/';
const WALLETSIM = '^packages/walletsim/src/';
const GATEWAY = '^packages/gateway/src/';
const REPOSITORIES = '^packages/gateway/src/repositories/';
const SCOPE = '^packages/gateway/src/repositories/scope\\.ts$';
const WORKERS = '^packages/gateway/src/workers/';
const KYSELY = '(^|/)node_modules/kysely/';
const EDGES = ['^packages/gateway/src/dialects/', '^packages/gateway/src/api/'];

/** Node modules and packages that reach disks, networks, processes or databases. */
const NODE_IO = '^(node:)?(fs|net|http|http2|https|child_process|dgram|dns|tls)(/|$)';
const PACKAGE_IO = '(^|/)node_modules/(undici|pg|better-sqlite3|kysely)/';

module.exports = {
  forbidden: [
    {
      name: 'core-no-other-packages',
      comment:
        'core holds the contracts (money, state machines, decisions, errors) every package depends on; ' +
        'it depends on none of them, so nothing in it can reach a database, a wallet or a server.',
      severity: 'error',
      from: { path: CORE, pathNot: TESTS },
      to: { path: '^packages/(?!core/)' },
    },
    {
      name: 'core-no-io',
      comment:
        'core does no I/O: its decisions are pure functions of their inputs, tested over every ' +
        'situation without a database or network (node:crypto and node:util are fine).',
      severity: 'error',
      from: { path: CORE, pathNot: TESTS },
      to: { path: [NODE_IO, PACKAGE_IO] },
    },
    {
      name: 'edges-no-database',
      comment:
        'dialects and the native API only translate and authenticate: they call services, never the ' +
        'database (Kysely, @counterpay/db) or a repository, so no business rule or query hides in an edge.',
      severity: 'error',
      from: { path: EDGES, pathNot: TESTS },
      to: { path: [KYSELY, DB, REPOSITORIES], pathNot: SCOPE },
    },
    {
      name: 'edges-scope-types-only',
      comment:
        'MerchantScope (repositories/scope.ts) is the one repository name an edge may use, and only as ' +
        'a type: building a scope is the services\' job.',
      severity: 'error',
      from: { path: EDGES, pathNot: TESTS },
      to: { path: SCOPE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'edges-no-connectors-or-workers',
      comment:
        'dialects and the native API never call a wallet or drive a worker themselves: wallet calls go ' +
        'through PaymentService/RefundService (WalletGateway), background work through the resolver\'s task rows.',
      severity: 'error',
      from: { path: EDGES, pathNot: TESTS },
      to: { path: [CONNECTORS, WORKERS] },
    },
    {
      name: 'connectors-not-simulator',
      comment:
        'the connectors and the wallet simulator implement the two sides of each wallet protocol ' +
        'independently so that each checks the other; shared code would share its bugs (tests too: ' +
        'cross-checks live in tests/).',
      severity: 'error',
      from: { path: CONNECTORS },
      to: { path: WALLETSIM },
    },
    {
      name: 'simulator-not-connectors-or-gateway',
      comment:
        'the simulator stands in for Alipay and WeChat Pay: it knows their protocols, not counterpay ' +
        '(no gateway, no connectors), exactly as a real wallet would.',
      severity: 'error',
      from: { path: WALLETSIM },
      to: { path: [CONNECTORS, GATEWAY] },
    },
    {
      name: 'notifications-not-dialects',
      comment:
        'notifications know only the NotificationFormat interface; each dialect registers its format ' +
        'at the composition root (services.ts), so a new dialect never changes the notifier.',
      severity: 'error',
      from: { path: '^packages/gateway/src/notifications/' },
      to: { path: '^packages/gateway/src/dialects/' },
    },
    {
      name: 'kysely-only-in-repositories',
      comment:
        'repositories own all SQL: only packages/db (connections, migrations) and the gateway\'s ' +
        'repositories/** use Kysely, so every status change, its event and its deliveries are written ' +
        'in one place, in one transaction.',
      severity: 'error',
      from: { path: '^packages/', pathNot: [DB, REPOSITORIES, ...TESTS] },
      to: { path: KYSELY },
    },
    {
      name: 'db-types-only-outside-repositories',
      comment:
        'outside repositories/** the gateway may name @counterpay/db types (DatabaseHandle, DatabaseKind) ' +
        'to pass the database to createRepositories, but uses none of its values (isUniqueViolation, ' +
        'migrations). server.ts is the one exception: it opens the database at start-up (connectDatabase).',
      severity: 'error',
      from: { path: GATEWAY, pathNot: [REPOSITORIES, '^packages/gateway/src/server\\.ts$', ...TESTS] },
      to: { path: DB, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-unresolvable',
      comment:
        'an import the checker cannot resolve would slip past every rule above (and fail at run time).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keep `import type` edges (the type-only rules above need them).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
