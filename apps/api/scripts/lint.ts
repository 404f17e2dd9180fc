/**
 * `npm run lint`: the static quality gates of apps/api, run from apps/api.
 *   1. dependency-cruiser (`.dependency-cruiser.cjs`) over `src/`: layer direction inside a
 *      module, no module internals across modules, `platform` is a leaf, no cycles, no dev or
 *      undeclared dependencies, no unresolvable imports. The run is also checked to have
 *      resolved the `./x.js` imports to `x.ts` files, so the rules never pass on an empty graph.
 *   2. Redocly (`redocly.yaml`, `.redocly.lint-ignore.yaml`) over the bundled spec
 *      `openapi/openapi.yaml`, every module's `openapi.yaml` (with the files it `$ref`s, such as
 *      iam's `openapi/<noun>.yaml`) and the shared components; examples must match their schemas.
 * Prints each tool's report and exits 1 when either finds an error (warnings do not fail).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(apiDir, '..', '..');

/** The subset of dependency-cruiser's JSON result this script reads. */
interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string; couldNotResolve: boolean; dependencyTypes: string[] }[] }[];
  summary: { error: number; warn: number; totalCruised: number };
}

/** A package binary: apps/api's own node_modules first, then the workspace root (hoisted). */
function bin(name: string): string {
  for (const dir of [apiDir, repoRoot]) {
    const candidate = join(dir, 'node_modules', '.bin', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found in node_modules/.bin; run npm ci`);
}

/** Runs `command` in apps/api with the terminal attached; returns its exit status. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync(command, args, { cwd: apiDir, stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/**
 * Checks that the cruise saw the code it is meant to judge: at least one local import from
 * `src/`, every one of them resolved to a `.ts` file. The NodeNext `.js` → `.ts` mapping is what
 * would silently break (an unresolved import matches no path rule).
 */
function checkCruiseCoverage(result: CruiseResult): string[] {
  const problems: string[] = [];
  const local = result.modules
    .filter((module) => module.source.startsWith('src/'))
    .flatMap((module) =>
      module.dependencies.filter((dep) => dep.dependencyTypes.includes('local')).map((dep) => ({ from: module.source, ...dep })),
    );
  if (local.length === 0) problems.push('the cruise found no local imports under src/ (wrong directory or config?)');
  for (const dep of local) {
    if (dep.couldNotResolve || !dep.resolved.endsWith('.ts')) {
      problems.push(`${dep.from} imports ${dep.resolved}, not a .ts file (stale compiled .js next to the source?)`);
    }
  }
  return problems;
}

function lintDependencies(): boolean {
  console.log('== dependency-cruiser (src/)');
  const scratch = mkdtempSync(join(os.tmpdir(), 'chompardo-lint-'));
  try {
    const jsonFile = join(scratch, 'cruise.json');
    const cruised = run(bin('depcruise'), ['--config', '.dependency-cruiser.cjs', 'src', '--output-type', 'json', '--output-to', jsonFile]);
    if (!existsSync(jsonFile)) {
      console.error(`depcruise failed (exit ${cruised}) without a result`);
      return false;
    }
    // The human-readable report of the same result, with each rule's explanation.
    run(bin('depcruise-fmt'), ['--output-type', 'err-long', jsonFile]);
    const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as CruiseResult;
    const coverage = checkCruiseCoverage(result);
    for (const problem of coverage) console.error(`error coverage: ${problem}`);
    return result.summary.error === 0 && coverage.length === 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function lintSpecs(): boolean {
  console.log('== redocly lint (bundle, module specs, shared components)');
  const bundle = 'openapi/openapi.yaml';
  if (!existsSync(join(apiDir, bundle))) {
    console.error(`${bundle} is missing; run npm run generate`);
    return false;
  }
  const modulesDir = join(apiDir, 'src', 'modules');
  const moduleSpecs = readdirSync(modulesDir)
    .sort()
    .map((module) => join(modulesDir, module, 'openapi.yaml'))
    .filter((file) => existsSync(file))
    .map((file) => relative(apiDir, file));
  const shared = 'src/platform/http/openapi/shared.yaml';
  const status = run(bin('redocly'), ['lint', '--config', 'redocly.yaml', bundle, ...moduleSpecs, shared], {
    ...process.env,
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  });
  return status === 0;
}

// Both gates run even when the first fails, so one run shows every problem.
const dependenciesClean = lintDependencies();
const specsClean = lintSpecs();
if (dependenciesClean && specsClean) {
  console.log('lint: clean');
} else {
  console.error(`lint failed:${dependenciesClean ? '' : ' dependency rules'}${specsClean ? '' : ' spec lint'}`);
  process.exit(1);
}
