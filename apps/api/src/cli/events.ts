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
import { OutboxAdmin, type DeadDelivery } from '../platform/events/outbox-admin.js';
import type { Logger } from '../platform/logging/logger.js';
import type { CommandLineSpec } from './command-line.js';
import { CommandError, exitWith, isoSeconds, parseCommandArgs, runOperatorCommand, textTable } from './operator-command.js';

const usage = `usage:
  npm run events -- list-dead [--subscriber NAME] [--json]
  npm run events -- replay DELIVERY_ID
  npm run events -- discard DELIVERY_ID
plus the server's configuration flags (--db-url, --data-dir, --config-file, …)`;

const commands = ['list-dead', 'replay', 'discard'] as const;
type Command = (typeof commands)[number];

const commandLine: CommandLineSpec = {
  valueFlags: new Set(['--subscriber']),
  booleanFlags: new Set(['--json', '--help', '-h']),
  commands: new Set<string>(commands),
};

interface CommandOptions {
  command: Command;
  deliveryId?: string;
  subscriber?: string;
  json: boolean;
}

function parseCommand(args: string[]): CommandOptions | 'help' {
  const parsed = parseCommandArgs(args, commands, { subscriber: { type: 'string' }, json: { type: 'boolean' } });
  if (parsed === 'help') return 'help';
  const { command: chosen, rest, values } = parsed;
  if (chosen === 'list-dead') {
    if (rest.length > 0) throw new CommandError(`unexpected argument "${rest[0]}"`, 2);
    return {
      command: chosen,
      json: values.json ?? false,
      ...(values.subscriber === undefined ? {} : { subscriber: values.subscriber.trim() }),
    };
  }
  if (values.subscriber !== undefined || values.json !== undefined) throw new CommandError(`${chosen} takes only a delivery id`, 2);
  const [deliveryId, ...extra] = rest;
  if (deliveryId === undefined) throw new CommandError(`${chosen} needs a DELIVERY_ID (see: npm run events -- list-dead)`, 2);
  if (extra.length > 0) throw new CommandError(`unexpected argument "${extra[0]}"`, 2);
  if (!/^[1-9][0-9]{0,18}$/.test(deliveryId)) throw new CommandError(`"${deliveryId}" is not a delivery id (a positive integer)`, 2);
  return { command: chosen, deliveryId, json: false };
}

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
  return textTable(header, rows);
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
  if (outcome === 'not_dead')
    throw new CommandError(`delivery ${deliveryId} is not dead-lettered (only dead deliveries can be replayed or discarded)`, 1);
  logger.info(
    { delivery_id: deliveryId },
    options.command === 'replay' ? 'dead event delivery replayed (events CLI)' : 'dead event delivery discarded (events CLI)',
  );
  process.stderr.write(
    options.command === 'replay'
      ? `delivery ${deliveryId} is pending again; a running API delivers it now.\n`
      : `delivery ${deliveryId} discarded; later events of its aggregate proceed.\n`,
  );
}

exitWith('events', () =>
  runOperatorCommand(
    {
      name: 'events',
      usage,
      commandLine,
      parse: parseCommand,
      tables: 'outbox tables',
      afterRestart: ' (a replayed delivery is delivered when the API starts)',
      run: (options, db, logger) => run(options, new OutboxAdmin(db), logger),
    },
    process.argv.slice(2),
  ),
);
