/**
 * dependency-cruiser rules for apps/api (docs/code-shape.md). Run from apps/api by
 * `npm run lint` as `depcruise --config .dependency-cruiser.cjs src`, so every path below is
 * relative to apps/api. `$1` in a `to` pattern is the module name captured by the `from` pattern:
 * that is how a rule says "inside the same module".
 *
 * Layers inside a module: transport → application → domain ← infra; only module.ts (re-exported
 * by index.ts) sees both infra and transport. Another module is reachable only via its index.ts.
 * platform/ is the shared kernel and never depends on anything built on top of it.
 */

/**
 * Patterns on the resolved path of an npm package. The workspace hoists packages, so they
 * resolve to `../../node_modules/<name>/…`.
 */
const packagePath = (names) => `(^|/)node_modules/(${names.join('|')})/`;
const httpFramework = packagePath(['fastify', '@fastify/[^/]+']);
const databaseDrivers = packagePath(['pg', 'pg-[^/]+', '@electric-sql/pglite', '@pgtyped/[^/]+']);
/** Packages that do I/O (network, files, logging) or speak HTTP/SQL; domain code stays free of them. */
const ioPackages = [httpFramework, databaseDrivers, packagePath(['pino', 'jose', 'swagger-ui-dist'])];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'platform-is-a-leaf',
      comment:
        'platform/ is the shared kernel: it never imports modules, the composition root (app.ts, main.ts, ' +
        'migrations.ts), the CLIs or generated code. Modules get platform services passed in by app.ts.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(modules/|cli/|generated/|app\\.ts$|main\\.ts$|migrations\\.ts$)' },
    },
    {
      name: 'module-only-via-index',
      comment:
        "A module may reach another module only through that module's index.ts, its one public " +
        'surface; never its module.ts, domain, application, infra or transport files.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'modules-not-to-composition-root',
      comment: 'Modules are wired by app.ts/main.ts/cli; they never import them (nor the migrations list).',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: '^src/(cli/|app\\.ts$|main\\.ts$|migrations\\.ts$)' },
    },
    {
      name: 'domain-not-to-outer-layers',
      comment: "domain/ is the core of its module: it imports nothing from the module's application, infra or transport, nor its wiring.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/domain/' },
      to: { path: '^src/modules/$1/((application|infra|transport)/|module\\.ts$|index\\.ts$)' },
    },
    {
      name: 'domain-no-io',
      comment:
        'domain/ does no I/O and knows no HTTP: no I/O packages, no node built-ins except node:crypto, ' + 'nothing from platform/http.',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/domain/' },
      to: {
        path: [...ioPackages, '^src/platform/http/'],
      },
    },
    {
      name: 'domain-no-node-builtins',
      comment: 'domain/ may use node:crypto (ids, hashes); every other built-in (fs, net, child_process, …) is I/O.',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/domain/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'application-not-to-infra-or-transport',
      comment: "application/ depends on domain ports only: not on its module's infra or transport, not on its wiring.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/application/' },
      to: { path: '^src/modules/$1/((infra|transport)/|module\\.ts$|index\\.ts$)' },
    },
    {
      name: 'application-no-http-or-driver',
      comment: 'application/ knows no req/reply, status codes or SQL drivers: no fastify, pg, PGlite, pgtyped, platform/http.',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/application/' },
      to: { path: [httpFramework, databaseDrivers, '^src/platform/http/'] },
    },
    {
      name: 'transport-not-to-infra',
      comment: "transport/ maps HTTP to application calls; it never reaches SQL (its module's infra, or a driver).",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/transport/' },
      to: { path: ['^src/modules/$1/(infra/|module\\.ts$|index\\.ts$)', databaseDrivers] },
    },
    {
      name: 'infra-not-to-application-or-transport',
      comment: "infra/ implements domain ports; it never imports its module's application or transport, nor fastify.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/infra/' },
      to: { path: ['^src/modules/$1/((application|transport)/|module\\.ts$|index\\.ts$)', httpFramework] },
    },
    {
      name: 'only-module-ts-wires-infra-and-transport',
      comment:
        'Of the files at the root of a module, only module.ts (and index.ts, which re-exports it) may ' + 'import infra/ or transport/.',
      severity: 'error',
      from: {
        path: '^src/modules/([^/]+)/[^/]+$',
        pathNot: '^src/modules/[^/]+/(module|index)\\.ts$',
      },
      to: { path: '^src/modules/$1/(infra|transport)/' },
    },
    {
      name: 'src-not-to-test-or-scripts',
      comment: 'Production code never imports the test harness or the build scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports included): they hide layering mistakes and break ESM init order.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or an installed package (also keeps the rules above from going vacuous).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'src/ ships to production: it may not import devDependencies (of apps/api or the workspace root). ' +
        'Type-only imports vanish at compile time and are allowed.',
      severity: 'error',
      from: { path: '^src/' },
      to: {
        dependencyTypes: ['npm-dev'],
        dependencyTypesNot: ['type-only'],
        pathNot: ['node_modules/@types/'],
      },
    },
    {
      name: 'no-non-package-json',
      comment:
        "src/ may import only packages declared in apps/api's package.json dependencies; a package that is " +
        'merely installed (hoisted by the workspace) is not shipped with the API.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      // NodeNext imports say `./x.js` for the sibling x.ts. dependency-cruiser 17 resolves that
      // itself (when x.js does not exist it retries x.ts, as tsc does) and its config schema
      // rejects enhanced-resolve's `extensionAlias`. `not-to-unresolvable` and the coverage check
      // in scripts/lint.ts (every local import must land on a .ts file) keep the rules above
      // from passing on an empty graph.
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
