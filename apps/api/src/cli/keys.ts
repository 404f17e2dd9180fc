/**
 * The operator's break-glass for API keys, with direct database access:
 *
 *   npm run keys -- create --app APP_ID [--deactivation-date D] [--operator NAME] [--json] [config flags…]
 *   npm run keys -- list [--app APP_ID] [--all] [--json] [config flags…]
 *   npm run keys -- revoke --app APP_ID --key KEY_ID [--operator NAME] [config flags…]
 *
 * Every key route of the API needs a working app key, so an app whose keys are all lost can only
 * get a new one from someone who can reach the database. This command is that someone's tool: it
 * reads the same configuration as the server (flags > env > config file > defaults), opens the same
 * database (DATABASE_URL, or the embedded PGlite under DATA_DIR, which must not be open in a
 * running API) and runs the iam module's own key use cases as an operator.
 *
 * `create` prints the new key on stdout, once (with --json: `{app_external_id, key, key_id,
 * prefix, deactivation_date}`); `list` prints every app with its key ids, prefixes, dates and who
 * made them — never a key, which is stored only as a hash; `revoke` stops a key at once, also in
 * running instances on a shared PostgreSQL. The operator (--operator, env CHOMPARDO_OPERATOR, else
 * `<os user>@<host name>`) is recorded in the key's audit columns, and each change is logged as
 * a JSON line on stderr.
 * Exit codes: 0 done, 1 failure (unknown app or key, database in use or unreachable), 2 bad usage.
 */
import { hostname, userInfo } from 'node:os';
import {
  createIamOperatorKeys,
  operatorIssuer,
  type AppKeys,
  type AuditParty,
  type IamOperatorKeys,
  type Operator,
} from '../modules/iam/index.js';
import { AppError } from '../platform/errors/app-error.js';
import type { Logger } from '../platform/logging/logger.js';
import type { CommandLineSpec } from './command-line.js';
import { CommandError, exitWith, isoSeconds, parseCommandArgs, runOperatorCommand, textTable } from './operator-command.js';

const usage = `usage:
  npm run keys -- create --app APP_ID [--deactivation-date YYYY-MM-DD|RFC3339] [--operator NAME] [--json]
  npm run keys -- list [--app APP_ID] [--all] [--json]
  npm run keys -- revoke --app APP_ID --key KEY_ID [--operator NAME]
plus the server's configuration flags (--db-url, --data-dir, --config-file, --target, …)`;

const commands = ['create', 'list', 'revoke'] as const;

const commandLine: CommandLineSpec = {
  valueFlags: new Set(['--app', '--key', '--deactivation-date', '--operator']),
  booleanFlags: new Set(['--json', '--all', '--help', '-h']),
  commands: new Set<string>(commands),
};

interface CommandOptions {
  command: (typeof commands)[number];
  app?: string;
  key?: string;
  deactivationDate?: string;
  operator: Operator;
  json: boolean;
  all: boolean;
}

function parseCommand(args: string[]): CommandOptions | 'help' {
  const parsed = parseCommandArgs(args, commands, {
    app: { type: 'string' },
    key: { type: 'string' },
    'deactivation-date': { type: 'string' },
    operator: { type: 'string' },
    json: { type: 'boolean' },
    all: { type: 'boolean' },
  });
  if (parsed === 'help') return 'help';
  const { command, rest: extra, values } = parsed;
  if (extra.length > 0) throw new CommandError(`unexpected argument "${extra[0]}"`, 2);
  const need = (flag: string, value: string | undefined): void => {
    if (value === undefined || value.trim() === '') throw new CommandError(`${command} needs --${flag}`, 2);
  };
  if (command !== 'list') need('app', values.app);
  if (command === 'revoke') need('key', values.key);
  const allowed: Record<typeof command, string[]> = {
    create: ['app', 'deactivation-date', 'operator', 'json'],
    list: ['app', 'all', 'json'],
    revoke: ['app', 'key', 'operator'],
  };
  for (const flag of Object.keys(values)) {
    if (!allowed[command].includes(flag)) throw new CommandError(`--${flag} does not apply to ${command}`, 2);
  }
  const operatorName = values.operator ?? process.env.CHOMPARDO_OPERATOR ?? `${userInfo().username}@${hostname()}`;
  return {
    command,
    ...(values.app === undefined ? {} : { app: values.app.trim() }),
    ...(values.key === undefined ? {} : { key: values.key.trim() }),
    ...(values['deactivation-date'] === undefined ? {} : { deactivationDate: values['deactivation-date'] }),
    operator: { name: operatorName },
    json: values.json ?? false,
    all: values.all ?? false,
  };
}

/** `operator alice@host`, `user Ada Admin`, `app <extl id>`, or `-` when nothing was recorded. */
function describeParty(party: AuditParty): string {
  if (party.user?.issuer === operatorIssuer) return `operator ${party.user.subject}`;
  if (party.user) return `user ${party.user.name ?? party.user.subject}`;
  return party.appExternalId ? `app ${party.appExternalId}` : '-';
}

function keyState(key: { revokedAt: Date | null; deactivationDate: Date }, now: number): string {
  if (key.revokedAt) return 'revoked';
  return key.deactivationDate.getTime() <= now ? 'expired' : 'active';
}

/** A plain table: one row per key (an app without keys gets one row of dashes). */
function formatKeyTable(apps: AppKeys[], now: number): string {
  const header = ['ORG', 'APP', 'APP_ID', 'KEY_ID', 'PREFIX', 'STATE', 'DEACTIVATION', 'CREATED', 'CREATED_BY'];
  const rows: string[][] = [];
  for (const app of apps) {
    const org = `${app.orgName} (${app.orgKind})`;
    if (app.keys.length === 0) rows.push([org, app.appName, app.appExternalId, '-', '-', 'no key', '-', '-', '-']);
    for (const key of app.keys) {
      rows.push([
        org,
        app.appName,
        app.appExternalId,
        key.keyId,
        key.prefix,
        keyState(key, now),
        isoSeconds(key.deactivationDate),
        isoSeconds(key.createdAt),
        describeParty(key.createdBy),
      ]);
    }
  }
  return textTable(header, rows);
}

function keysAsJson(apps: AppKeys[], now: number): unknown {
  return apps.map((app) => ({
    org_external_id: app.orgExternalId,
    org_name: app.orgName,
    org_kind: app.orgKind,
    app_external_id: app.appExternalId,
    app_name: app.appName,
    api_keys: app.keys.map((key) => ({
      key_id: key.keyId,
      prefix: key.prefix,
      state: keyState(key, now),
      deactivation_date: key.deactivationDate.toISOString(),
      created_at: key.createdAt.toISOString(),
      created_by: describeParty(key.createdBy),
      revoked_at: key.revokedAt?.toISOString() ?? null,
      updated_by: describeParty(key.updatedBy),
    })),
  }));
}

async function run(options: CommandOptions, keys: IamOperatorKeys, logger: Logger): Promise<void> {
  const out = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };
  switch (options.command) {
    case 'create': {
      const { app, key, info } = await keys.createApiKeyAsOperator(options.operator, options.app!, options.deactivationDate);
      logger.info(
        {
          operator: options.operator.name,
          app_external_id: app.externalId,
          org_external_id: app.orgExternalId,
          key_id: info.keyId,
          deactivation_date: info.deactivationDate,
        },
        'api key created by an operator (keys CLI)',
      );
      if (options.json) {
        out(
          JSON.stringify({
            app_external_id: app.externalId,
            key,
            key_id: info.keyId,
            prefix: info.prefix,
            deactivation_date: info.deactivationDate.toISOString(),
          }),
        );
      } else {
        out(key);
      }
      process.stderr.write(
        `new key ${info.keyId} for app "${app.name}" (${app.externalId}), valid until ${isoSeconds(info.deactivationDate)}. ` +
          'Keep it now: it is stored only as a hash and never shown again.\n',
      );
      return;
    }
    case 'list': {
      const apps = await keys.findApiKeysForOperator({
        ...(options.app === undefined ? {} : { appExternalId: options.app }),
        includeRevoked: options.all,
      });
      const now = Date.now();
      out(options.json ? JSON.stringify(keysAsJson(apps, now), null, 2) : formatKeyTable(apps, now));
      if (apps.length === 0) process.stderr.write('no apps yet: genesis creates the first ones (npm run genesis)\n');
      return;
    }
    case 'revoke': {
      const app = await keys.revokeApiKeyAsOperator(options.operator, options.app!, options.key!);
      logger.info(
        { operator: options.operator.name, app_external_id: app.externalId, org_external_id: app.orgExternalId, key_id: options.key },
        'api key revoked by an operator (keys CLI)',
      );
      process.stderr.write(`revoked key ${options.key} of app "${app.name}" (${app.externalId}); it stops working at once.\n`);
      return;
    }
  }
}

/** What the operator reads for an application error: the flag that was wrong, or what was not found. */
function describeAppError(error: AppError, options: CommandOptions): CommandError {
  if (error.kind === 'not_found_error') {
    const what = /api key/.test(error.message) ? `no unrevoked key ${options.key} on app ${options.app}` : `no app ${options.app}`;
    return new CommandError(`${what} (see: npm run keys -- list)`, 1);
  }
  if (error.kind === 'input_validation_error') {
    const flag =
      error.param === 'deactivation_date' ? '--deactivation-date' : error.param === 'operator' ? '--operator' : (error.param ?? 'input');
    return new CommandError(`invalid ${flag}: ${error.message}`, 2);
  }
  return new CommandError(error.message, 1);
}

exitWith('keys', () =>
  runOperatorCommand(
    {
      name: 'keys',
      usage,
      commandLine,
      parse: parseCommand,
      tables: 'iam tables',
      run: (options, db, logger) => run(options, createIamOperatorKeys(db), logger),
      describeFailure: (error, options) => (error instanceof AppError ? describeAppError(error, options) : undefined),
    },
    process.argv.slice(2),
  ),
);
