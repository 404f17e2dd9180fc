import net from 'node:net';

/** A raw TCP client: the bytes it received, and when the server closed the connection. */
export interface RawClient {
  socket: net.Socket;
  /** Everything received so far, as latin1 text (one character per byte). */
  received(): string;
  /** Milliseconds from connect to the server closing the connection, once closed. */
  closedAfterMs(): number | undefined;
  /** Resolves once connected (and `payload`, if any, is written). */
  connected: Promise<void>;
  /** Resolves once the connection is closed. */
  closed: Promise<void>;
}

/** Options of {@link rawClient}. */
export interface RawClientOptions {
  /** Written once connected. */
  payload?: string | Buffer;
  /** Never read what the server sends (the socket stays paused): a client that stopped reading. */
  noRead?: boolean;
}

/** Connects to 127.0.0.1:`port` and writes `payload` (a string is sent as latin1 bytes). */
export function rawClient(port: number, options: RawClientOptions | string = {}): RawClient {
  const { payload, noRead } = typeof options === 'string' ? { payload: options, noRead: false } : options;
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let closedAfter: number | undefined;
  const started = performance.now();
  if (noRead) socket.pause();
  else socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => {
      closedAfter = performance.now() - started;
      resolve();
    });
  });
  const connected = new Promise<void>((resolve) => {
    socket.once('connect', () => {
      if (payload !== undefined) socket.write(typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload);
      resolve();
    });
  });
  return { socket, received: () => Buffer.concat(chunks).toString('latin1'), closedAfterMs: () => closedAfter, connected, closed };
}

/** One HTTP response as received: status, lower-cased headers, body decoded as UTF-8. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Splits what a client received into complete responses (bodies delimited by Content-Length;
 * an incomplete last response is left out).
 */
export function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) return responses;
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    if (rest.length < bodyStart + length) return responses;
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: Buffer.from(rest.slice(bodyStart, bodyStart + length), 'latin1').toString('utf8'),
    });
    rest = rest.slice(bodyStart + length);
  }
}

/** The first complete response a client received; throws when there is none. */
export function firstResponse(raw: string): RawResponse {
  const response = parseResponses(raw)[0];
  if (!response) throw new Error(`no complete response in ${JSON.stringify(raw.slice(0, 500))}`);
  return response;
}

/** Resolves once `promise` settles; rejects after `deadlineMs` naming `what`. */
export async function within<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
