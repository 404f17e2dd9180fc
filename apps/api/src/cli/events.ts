/**
 * The operator's view of the event outbox's dead-letter queue (docs/operations.md, "Event delivery"):
 *
 *   npm run events -- list-dead [--subscriber NAME] [--json] [config flags…]
 *   npm run events -- replay DELIVERY_ID [config flags…]
 *   npm run events -- discard DELIVERY_ID [config flags…]
 *
 * A delivery is dead after EVENT_MAX_ATTEMPTS failed attempts of its handler (or at once when the
 * handler found the event unprocessable); it holds back the later events of the same aggregate
 * for that subscriber. `list-dead` shows them with the last error; `replay` makes one pending
 * again (attempts from zero) and wakes the running dispatchers, which deliver it within moments;
 * `discard` gives it up so its aggregate's later events proceed. Replaying is safe: an event its
 * subscriber had already handled is skipped (receipts). Same configuration and database as the
 * server (DATABASE_URL, or the embedded PGlite under DATA_DIR, which must not be open in a running API).
 * Exit codes: 0 done, 1 failure (no such dead delivery, database in use or unreachable), 2 bad usage.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../platform/config/index.js';
import { createDb, EmbeddedDatabaseInUseError, readLiveLock, sqlStateOf } from '../platform/db/index.js';
import { OutboxAdmin, type DeadDelivery } from '../platform/events/outbox-admin.js';
import { createLogger, type Logger } from '../platform/logging/logger.js';
import { splitCommandLine } from './command-line.js';

const usage = `usage:
  npm run events -- list-dead [--subscriber NAME] [--json]
  npm run events -- replay DELIVERY_ID
  npm run events -- discard DELIVERY_ID
plus the server's configuration flags (--db-url, --data-dir, --config-file, …)`;

const commands = ['list-dead', 'replay', 'discard'] as const;
type Command = (typeof commands)[number];

const commandLine = {
  valueFlags: new Set(['--subscriber']),
  booleanFlags: new Set(['--json', '--help', '-h']),
  commands: new Set<string>(commands),
};

/** A problem reported to the operator: a message and the exit code. */
class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

interface CommandOptions {
  command: Command;
  deliveryId?: string;
  subscriber?: string;
  json: boolean;
}

function parseCommand(args: string[]): CommandOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { subscriber: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CommandError(error instanceof Error ? error.message : String(error), 2);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, ...rest] = positionals;
  if (!commands.includes(command as Command)) {
    throw new CommandError(command === undefined ? 'a command is required' : `unknown command "${command}"`, 2);
  }
  const chosen = command as Command;
  if (chosen === 'list-dead') {
    if (rest.length > 0) throw new CommandError(`unexpected argument "${rest[0]}"`, 2);
    return { command: chosen, json: values.json ?? false, ...(values.subscriber === undefined ? {} : { subscriber: values.subscriber.trim() }) };
  }
  if (values.subscriber !== undefined || values.json !== undefined) throw new CommandError(`${chosen} takes only a delivery id`, 2);
  const [deliveryId, ...extra] = rest;
  if (deliveryId === undefined) throw new CommandError(`${chosen} needs a DELIVERY_ID (see: npm run events -- list-dead)`, 2);
  if (extra.length > 0) throw new CommandError(`unexpected argument "${extra[0]}"`, 2);
  if (!/^[1-9][0-9]{0,18}$/.test(deliveryId)) throw new CommandError(`"${deliveryId}" is not a delivery id (a positive integer)`, 2);
  return { command: chosen, deliveryId, json: false };
}

const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function formatDeadTable(dead: DeadDelivery[]): string {
  const header = ['DELIVERY_ID', 'SUBSCRIBER', 'EVENT', 'AGGREGATE', 'ATTEMPTS', 'OCCURRED', 'DEAD_SINCE', 'LAST_ERROR'];
  const rows = dead.map((d) => [
    d.deliveryId,
    d.subscriber,
    `${d.eventName} v${d.eventVersion}`,
    d.aggregate,
    String(d.attempts),
    isoSeconds(d.occurredAt),
    isoSeconds(d.deadSince),
    (d.lastError ?? '-').replace(/\s+/g, ' ').slice(0, 120),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

async function run(options: CommandOptions, admin: OutboxAdmin, logger: Logger): Promise<void> {
  if (options.command === 'list-dead') {
    const dead = await admin.findDeadDeliveries(options.subscriber === undefined ? {} : { subscriber: options.subscriber });
    if (options.json) {
      const json = dead.map((d) => ({
        delivery_id: d.deliveryId,
        subscriber: d.subscriber,
        event_id: d.eventId,
        event_name: d.eventName,
        event_version: d.eventVersion,
        aggregate: d.aggregate,
        org_id: d.orgId,
        attempts: d.attempts,
        last_error: d.lastError,
        occurred_at: d.occurredAt.toISOString(),
        dead_since: d.deadSince.toISOString(),
      }));
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatDeadTable(dead)}\n`);
    }
    if (dead.length === 0) process.stderr.write('no dead-lettered deliveries\n');
    return;
  }
  const deliveryId = options.deliveryId!;
  const outcome = options.command === 'replay' ? await admin.replayDelivery(deliveryId) : await admin.discardDelivery(deliveryId);
  if (outcome === 'not_found') throw new CommandError(`no delivery ${deliveryId} (see: npm run events -- list-dead)`, 1);
  if (outcome === 'not_dead') throw new CommandError(`delivery ${deliveryId} is not dead-lettered (only dead deliveries can be replayed or discarded)`, 1);
  logger.info({ delivery_id: deliveryId }, options.command === 'replay' ? 'dead event delivery replayed (events CLI)' : 'dead event delivery discarded (events CLI)');
  process.stderr.write(
    options.command === 'replay'
      ? `delivery ${deliveryId} is pending again; a running API delivers it now.\n`
      : `delivery ${deliveryId} discarded; later events of its aggregate proceed.\n`,
  );
}

async function main(): Promise<number> {
  const { commandArgs, configArgs } = splitCommandLine(process.argv.slice(2), commandLine);
  let options;
  let config;
  try {
    options = parseCommand(commandArgs);
    if (options === 'help') {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    // npm runs workspace scripts in apps/api: resolve ./config and ./.data from where the user typed the command.
    config = loadConfig({ argv: configArgs, env: process.env, cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    if (error instanceof CommandError) {
      process.stderr.write(`events: ${error.message}\n${usage}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`events: configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const logger = createLogger({ level: config.log.level, destination: process.stderr });
  let db;
  try {
    db = await createDb(config);
  } catch (error) {
    if (error instanceof EmbeddedDatabaseInUseError) {
      const stack = readLiveLock(path.join(config.dataDir, 'npm-start.json'));
      const message = stack
        ? `npm start (pid ${stack.pid}, API ${String(stack.api_url)}) is running on ${config.dataDir}, and its API has the embedded database open; ` +
          'PGlite can be opened by one process at a time. Stop npm start first (Ctrl-C in its terminal), run this command, then npm start again ' +
          '(a replayed delivery is delivered when the API starts). On a PostgreSQL server (DATABASE_URL) the API and this command run at the same time.'
        : error.message;
      process.stderr.write(`events: ${message}\n`);
      return 1;
    }
    throw error;
  }
  try {
    await run(options, new OutboxAdmin(db), logger);
    return 0;
  } catch (error) {
    if (error instanceof CommandError) {
      process.stderr.write(`events: ${error.message}\n`);
      return error.exitCode;
    }
    if (sqlStateOf(error) === '42P01' || sqlStateOf(error) === '3F000') {
      process.stderr.write('events: the database has no outbox tables yet: run `npm run migrate -- up` (or start the API once) first\n');
      return 1;
    }
    throw error;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`events: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
