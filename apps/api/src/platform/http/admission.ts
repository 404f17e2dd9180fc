import { createServer, ServerResponse, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { edgeAnswers, type EdgeAnswer, type EdgeResponder } from './edge-answer.js';
import type { LoadMonitor, ShedReason } from './load-monitor.js';

/** Limits of the admission gate (see {@link createAdmission}). */
export interface AdmissionLimits {
  /**
   * Requests of one connection being handled or whose responses are not yet flushed to the
   * socket; at this many the server stops reading the connection. At least 2.
   */
  maxInFlightPerConnection: number;
  /** Requests already received on one connection that wait for a slot; one more → 503 + close. */
  maxQueuedPerConnection: number;
  /** Requests being handled by the application across all connections; 0 = unlimited. */
  maxInFlight: number;
  /** Requests served on one connection before it is closed; 0 = unlimited. */
  maxRequestsPerConnection: number;
  /** Milliseconds a connection's pending output may make no progress before it is cut; 0 = never. */
  sendTimeoutMs: number;
}

/** Options of {@link createAdmission}. */
export interface AdmissionOptions extends AdmissionLimits {
  responder: EdgeResponder;
  logger: Logger;
  /** Process load; while it reports pressure, or sheds on a standing queue, new requests are shed. */
  load?: LoadMonitor;
  /** Paths never shed (probes that must stay cheap and answered); default `/healthz`, `/readyz`. */
  exemptPaths?: readonly string[];
}

/** The admission gate: an HTTP server factory and what it currently holds. */
export interface Admission {
  /** An HTTP server that admits every request through the gate before `handler` sees it. */
  createServer(handler: (req: IncomingMessage, res: ServerResponse) => void, options: ServerOptions): Server;
  /** Requests being handled by the application now. */
  readonly inFlight: number;
}

/** A request received while its connection had no free slot. */
interface QueuedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** An answer decided when it arrived (a failed expectation). */
  preset: EdgeAnswer | undefined;
  startedAt: number;
}

/** What the gate keeps per connection, created at its first request. */
interface Connection {
  socket: Socket;
  /** Responses started on this connection and not yet flushed to the socket. */
  unflushed: number;
  /** Requests handed to the application and not yet ended by it. */
  working: number;
  /** Requests admitted so far (for the requests-per-connection limit). */
  served: number;
  queue: QueuedRequest[];
  /** The gate stopped reading the socket. */
  holding: boolean;
  /** Node's own `_paused` flag (its backpressure on unsent output), kept apart from ours. */
  nodePaused: boolean;
  /** A final answer was given: later requests on this connection are dropped unanswered. */
  closing: boolean;
  closed: boolean;
  /** At the last sweep: bytes whose writes completed, and bytes of the write in progress not yet taken by the kernel. */
  flushedBytes: number;
  queuedBytes: number;
  /** Since when neither has moved while output was pending; 0 = not stalled. */
  stalledSince: number;
  /** Bound once per connection, so a response costs no closure. */
  onFinish: () => void;
  onEnded: () => void;
}

const connectionOf = Symbol('chompardo.admission.connection');
type TrackedSocket = Socket & {
  [connectionOf]?: Connection;
  _paused?: boolean;
  parser?: { resume(): void } | null;
  _handle?: { writeQueueSize?: number } | null;
};

/**
 * Node's response, told when the application ends it: that frees the request's place in the
 * global in-flight count at once, while its bytes may still wait for a slow client.
 */
class AdmittedResponse extends ServerResponse {
  admitted: Connection | undefined = undefined;

  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    const conn = this.admitted;
    if (conn !== undefined) {
      this.admitted = undefined;
      conn.onEnded();
    }
    // Node's end() sorts out which of the three arguments were given.
    return super.end(chunk as never, encoding as never, callback as never);
  }
}

const defaultExemptPaths = ['/healthz', '/readyz'];

/**
 * Creates the admission gate that sits between Node's HTTP parser and the application. Work is
 * done per connection and per request only with counters; nothing is allocated per request.
 *
 * - **Backpressure per connection.** While `maxInFlightPerConnection` of a connection's
 *   requests are in flight (being handled, or answered but not yet flushed because the client
 *   does not read), the server stops reading that socket. Node may already have parsed more
 *   requests from the bytes it had read; up to `maxQueuedPerConnection` of them wait and are
 *   handled in order as slots free up. The next one is answered 503 `unavailable_error`
 *   (`too_many_pipelined_requests`, `Retry-After`, `Connection: close`), the connection is no
 *   longer read, and what was pipelined after that request is dropped (the client retries it).
 * - **Global bound and load shedding.** While `maxInFlight` requests are being handled, while
 *   `load` reports pressure, or when it sheds the request because a queue stands
 *   (`load.shedsNext()`), new requests get 503 `unavailable_error` (`overloaded`,
 *   `Retry-After: 1`) at once, without reaching the application. `exemptPaths` are never shed.
 * - **Send timeout.** A connection whose pending output makes no progress for `sendTimeoutMs`
 *   (a client that stopped reading) is cut; checked by one timer for all connections.
 * - **Requests Node would answer on its own, in the contract's shape.** A HTTP/1.1 request
 *   without `Host` or with more than one `Host` header → 400, an `Expect` other than
 *   `100-continue` → 417. The last of `maxRequestsPerConnection` requests carries
 *   `Connection: close`; what was pipelined after it is not answered.
 *
 * Node's HTTP server must not be configured with `maxRequestsPerSocket` or `requireHostHeader`
 * (the gate does both); `createServer` sets them accordingly.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const {
    responder,
    logger,
    load,
    maxInFlightPerConnection,
    maxQueuedPerConnection,
    maxInFlight,
    maxRequestsPerConnection,
    sendTimeoutMs,
  } = options;
  if (!Number.isInteger(maxInFlightPerConnection) || maxInFlightPerConnection < 2) {
    // With one slot, a request whose body is still arriving could wait for itself.
    throw new RangeError('maxInFlightPerConnection must be an integer of at least 2');
  }
  const exempt = new Set(options.exemptPaths ?? defaultExemptPaths);
  const connections = new Set<Connection>();
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let working = 0;
  /** Requests that reached the shedding decision so far (the load monitor reads it per interval). */
  let arrivals = 0;
  let sweeper: NodeJS.Timeout | undefined;

  function onEnded(conn: Connection): void {
    if (conn.closed) return;
    conn.working--;
    working--;
  }

  function track(socket: TrackedSocket): Connection {
    const conn: Connection = {
      socket,
      unflushed: 0,
      working: 0,
      served: 0,
      queue: [],
      holding: false,
      nodePaused: socket._paused === true,
      closing: false,
      closed: false,
      flushedBytes: 0,
      queuedBytes: 0,
      stalledSince: 0,
      onFinish: () => onResponseFlushed(conn),
      onEnded: () => onEnded(conn),
    };
    // Node resumes a socket it paused itself as soon as its own output drains, and re-reads the
    // flag when a request completes; reading it through ours keeps the socket paused while the
    // gate holds it, whatever Node does.
    Object.defineProperty(socket, '_paused', {
      configurable: true,
      enumerable: true,
      get: () => conn.nodePaused || conn.holding,
      set: (paused: boolean) => {
        conn.nodePaused = paused;
      },
    });
    socket[connectionOf] = conn;
    connections.add(conn);
    socket.once('close', () => {
      conn.closed = true;
      working -= conn.working;
      conn.working = 0;
      conn.queue.length = 0;
      connections.delete(conn);
    });
    return conn;
  }

  function hold(conn: Connection): void {
    if (conn.holding) return;
    conn.holding = true;
    conn.socket.pause();
  }

  function release(conn: Connection): void {
    if (!conn.holding) return;
    conn.holding = false;
    // Still paused by Node for its own output backpressure: Node resumes it when that drains.
    if (conn.nodePaused || conn.socket.destroyed) return;
    // What Node itself does to resume a paused HTTP connection: the parser, then the socket.
    (conn.socket as TrackedSocket).parser?.resume();
    conn.socket.resume();
  }

  function onResponseFlushed(conn: Connection): void {
    conn.unflushed--;
    while (conn.queue.length > 0 && conn.unflushed < maxInFlightPerConnection) {
      const next = conn.queue.shift()!;
      dispatch(conn, next.req, next.res, next.preset, next.startedAt);
    }
    if (conn.queue.length === 0 && conn.unflushed < maxInFlightPerConnection && !conn.closing) release(conn);
  }

  /**
   * The response being started is the connection's last (it says `Connection: close`): nothing
   * after it is read or answered.
   */
  function closeAfter(conn: Connection): void {
    conn.closing = true;
    conn.queue.length = 0;
    hold(conn);
  }

  function begin(conn: Connection, res: ServerResponse): void {
    conn.unflushed++;
    res.on('finish', conn.onFinish);
  }

  /** The answer Node would give on its own to this request, if any (in the contract's shape). */
  function protocolAnswer(conn: Connection, req: IncomingMessage, res: ServerResponse): EdgeAnswer | undefined {
    if (req.httpVersionMinor === 1 && req.httpVersionMajor === 1 && req.headers.host === undefined) return edgeAnswers.missingHost;
    // Node keeps the first of several Host headers; only the raw list shows the others.
    const raw = req.rawHeaders;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) return edgeAnswers.duplicateHost;
    }
    if (maxRequestsPerConnection > 0 && ++conn.served >= maxRequestsPerConnection) {
      // The last request this connection may make (as Node does, the client retries what it
      // pipelined after it).
      res.setHeader('Connection', 'close');
      closeAfter(conn);
    }
    return undefined;
  }

  function isExempt(url: string | undefined): boolean {
    if (url === undefined) return false;
    const query = url.indexOf('?');
    return exempt.has(query === -1 ? url : url.slice(0, query));
  }

  function hasBody(req: IncomingMessage): boolean {
    const length = req.headers['content-length'];
    return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  }

  function dispatch(
    conn: Connection,
    req: IncomingMessage,
    res: ServerResponse,
    preset: EdgeAnswer | undefined,
    startedAt: number | undefined,
  ): void {
    begin(conn, res);
    if (conn.unflushed >= maxInFlightPerConnection) hold(conn);
    const answer = preset ?? protocolAnswer(conn, req, res);
    if (answer !== undefined) {
      if (answer.close) closeAfter(conn);
      responder.answer(req, res, answer, { startedAt });
      return;
    }
    arrivals++;
    let shedReason: ShedReason | 'in_flight' | undefined =
      load?.pressure ?? (maxInFlight > 0 && working >= maxInFlight ? 'in_flight' : undefined);
    // The queue watch is asked only for requests that may be shed: a probe never counts as a refusal.
    if (shedReason === undefined && load?.shedding === true && !isExempt(req.url) && load.shedsNext()) shedReason = 'queue_delay';
    if (shedReason !== undefined && (shedReason === 'queue_delay' || !isExempt(req.url))) {
      // A body the server will not read is not worth keeping the connection for.
      const close = hasBody(req);
      if (close) closeAfter(conn);
      responder.answer(req, res, edgeAnswers.overloaded, { startedAt, close, logFields: { shed_reason: shedReason } });
      return;
    }
    conn.working++;
    working++;
    (res as AdmittedResponse).admitted = conn;
    handle!(req, res);
  }

  function admit(req: IncomingMessage, res: ServerResponse, preset: EdgeAnswer | undefined): void {
    const socket = req.socket as TrackedSocket;
    const conn = socket[connectionOf] ?? track(socket);
    // The connection closes after its final answer and is no longer read; what the client
    // pipelined after it (at most the rest of the bytes already read) is not answered, as
    // RFC 9112 §9.3.2 allows: the client retries it on a new connection.
    if (conn.closing) return;
    if (conn.unflushed < maxInFlightPerConnection) {
      dispatch(conn, req, res, preset, undefined);
      return;
    }
    hold(conn);
    if (conn.queue.length < maxQueuedPerConnection) {
      conn.queue.push({ req, res, preset, startedAt: performance.now() });
      return;
    }
    conn.closing = true;
    begin(conn, res);
    responder.answer(req, res, edgeAnswers.tooManyPipelined, { logFields: { queued: conn.queue.length } });
    logger.info(
      { remote_ip: socket.remoteAddress, in_flight: conn.unflushed, queued: conn.queue.length },
      'too many pipelined requests: closing the connection',
    );
  }

  /** Cuts connections whose pending output has not moved for `sendTimeoutMs`. */
  function sweep(): void {
    const now = performance.now();
    for (const conn of connections) {
      const socket = conn.socket as TrackedSocket;
      const pending = socket.writableLength;
      // Bytes written minus bytes still buffered: the writes that completed. A large write
      // completes only once the kernel took all of it, so the bytes libuv still holds of it are
      // watched too (Node's own socket timeout uses the same counter for the same purpose).
      const flushed = socket.bytesWritten - pending;
      const queued = socket._handle?.writeQueueSize ?? 0;
      if (pending === 0 || flushed !== conn.flushedBytes || queued !== conn.queuedBytes) {
        conn.flushedBytes = flushed;
        conn.queuedBytes = queued;
        conn.stalledSince = 0;
      } else if (conn.stalledSince === 0) {
        conn.stalledSince = now;
      } else if (now - conn.stalledSince >= sendTimeoutMs) {
        logger.info(
          { remote_ip: socket.remoteAddress, pending_bytes: pending, stalled_ms: Math.round(now - conn.stalledSince) },
          'client stopped reading: closing the connection',
        );
        socket.destroy();
      }
    }
  }

  function start(): void {
    load?.start(() => arrivals);
    if (sendTimeoutMs > 0 && sweeper === undefined) {
      sweeper = setInterval(sweep, Math.max(50, Math.min(1_000, Math.floor(sendTimeoutMs / 4)))).unref();
    }
  }

  function stop(): void {
    load?.stop();
    clearInterval(sweeper);
    sweeper = undefined;
  }

  return {
    createServer(handler, serverOptions) {
      handle = handler;
      const server = createServer(
        // A subclass of Node's own response: the server type stays Node's.
        { ...serverOptions, requireHostHeader: false, ServerResponse: AdmittedResponse as typeof ServerResponse },
        (req, res) => admit(req, res, undefined),
      );
      server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => admit(req, res, edgeAnswers.expectationFailed));
      server.on('listening', start);
      server.on('close', stop);
      return server;
    },
    get inFlight() {
      return working;
    },
  };
}
