import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ErrorKind } from '../errors/app-error.js';
import type { HttpMetricsObserver } from '../metrics/metrics.js';
import { securityHeaders } from './security-headers.js';

/**
 * An error answer given below the application (by the admission gate, for Fastify's own routing
 * errors, or for what Node rejects before a request exists), in the same shape as every other
 * error: `{"error":{kind,code,message}}` with the status the situation calls for.
 */
export interface EdgeAnswer {
  status: number;
  kind: ErrorKind;
  code: string;
  message: string;
  /** Extra headers, e.g. `Retry-After`. */
  headers?: Readonly<Record<string, string>>;
  /** Close the connection after this answer. */
  close?: boolean;
  /** The serialized error body. */
  body: string;
}

function edgeAnswer(
  status: number,
  kind: ErrorKind,
  code: string,
  message: string,
  extra: Pick<EdgeAnswer, 'headers' | 'close'> = {},
): EdgeAnswer {
  return { status, kind, code, message, ...extra, body: JSON.stringify({ error: { kind, code, message } }) };
}

/** The answers of the HTTP edge, by situation. */
export const edgeAnswers = {
  malformedUrl: edgeAnswer(400, 'invalid_request_error', 'malformed_url', 'the request path is not validly percent-encoded'),
  pathParameterTooLong: edgeAnswer(414, 'invalid_request_error', 'path_parameter_too_long', 'a path parameter is too long'),
  missingHost: edgeAnswer(400, 'invalid_request_error', 'missing_host', 'the request has no Host header', { close: true }),
  duplicateHost: edgeAnswer(400, 'invalid_request_error', 'duplicate_host', 'the request has more than one Host header', { close: true }),
  expectationFailed: edgeAnswer(417, 'invalid_request_error', 'expectation_failed', 'only the 100-continue expectation is supported', {
    close: true,
  }),
  tooManyPipelined: edgeAnswer(
    503,
    'unavailable_error',
    'too_many_pipelined_requests',
    'too many requests in flight on this connection, please retry',
    {
      headers: { 'Retry-After': '1' },
      close: true,
    },
  ),
  overloaded: edgeAnswer(503, 'unavailable_error', 'overloaded', 'the service is overloaded, please retry', {
    headers: { 'Retry-After': '1' },
  }),
  requestTimeout: edgeAnswer(408, 'invalid_request_error', 'request_timeout', 'the request was not received in time', { close: true }),
  headerTooLarge: edgeAnswer(431, 'invalid_request_error', 'header_too_large', 'the request header fields are too large', { close: true }),
  chunkExtensionsTooLarge: edgeAnswer(
    413,
    'payload_too_large_error',
    'chunk_extensions_too_large',
    'the chunk extensions of the request body are too large',
    { close: true },
  ),
  malformedRequest: edgeAnswer(400, 'invalid_request_error', 'malformed_request', 'the request is not valid HTTP', { close: true }),
} as const satisfies Record<string, EdgeAnswer>;

/** Answers for what Node's parser rejects, by its error code; anything else is a malformed request. */
const socketErrorAnswers: Readonly<Record<string, EdgeAnswer>> = {
  ERR_HTTP_REQUEST_TIMEOUT: edgeAnswers.requestTimeout,
  HPE_HEADER_OVERFLOW: edgeAnswers.headerTooLarge,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: edgeAnswers.chunkExtensionsTooLarge,
};

const statusTexts: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Options of {@link createEdgeResponder}. */
export interface EdgeResponderOptions {
  logger: Logger;
  /** The request id of a request (reuses a safe incoming `Request-Id`). */
  requestIdOf: (req: IncomingMessage) => string;
  metrics?: HttpMetricsObserver;
}

/** Writes edge answers; see {@link createEdgeResponder}. */
export interface EdgeResponder {
  /**
   * Answers `res` with `answer`: `Request-Id` (`requestId`, else one derived from the request),
   * the security headers, `Connection: close` when the answer closes, the error body; then one
   * access log line and one metrics observation. `startedAt` (`performance.now()`) is when the
   * request arrived, for the logged duration; `close` closes the connection whatever the answer
   * says (a request whose body will not be read); `logFields` are added to the access line.
   */
  answer(
    req: IncomingMessage,
    res: ServerResponse,
    answer: EdgeAnswer,
    options?: { requestId?: string; startedAt?: number; remoteIp?: string; close?: boolean; logFields?: Record<string, unknown> },
  ): void;
  /**
   * Answers a socket whose request Node could not parse (clientError): 408, 431, 413 for chunk
   * extensions, else 400, written raw (there is no response object), then closes it. Nothing is
   * written when a response is already under way on the socket (a second one would corrupt it).
   */
  answerSocket(error: Error & { code?: string }, socket: Socket): void;
}

/** The route label of edge answers: they matched no route. */
const unmatchedRoute = '(unmatched)';

/**
 * Creates the writer of the edge's answers, so that what Node, Fastify's router and the
 * admission gate reject carries the same headers, body and access log line as any other error.
 */
export function createEdgeResponder(options: EdgeResponderOptions): EdgeResponder {
  const { logger, requestIdOf, metrics } = options;

  function logAccess(fields: Record<string, unknown>, answer: EdgeAnswer, size: number): void {
    metrics?.observeResponse(
      typeof fields.method === 'string' ? fields.method : 'UNKNOWN',
      unmatchedRoute,
      answer.status,
      Number(fields.duration ?? 0),
    );
    logger.info({ ...fields, status: answer.status, size, kind: answer.kind, code: answer.code }, 'request logged');
  }

  return {
    answer(req, res, answer, opts = {}) {
      const requestId = opts.requestId ?? requestIdOf(req);
      const body = answer.body;
      const size = Buffer.byteLength(body);
      if (!res.headersSent) {
        res.writeHead(answer.status, {
          ...securityHeaders,
          ...answer.headers,
          'Request-Id': requestId,
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': size,
          ...(answer.close || opts.close ? { Connection: 'close' } : {}),
        });
        res.end(body);
      }
      logAccess(
        {
          request_id: requestId,
          method: req.method,
          url: req.url,
          duration: opts.startedAt === undefined ? 0 : performance.now() - opts.startedAt,
          remote_ip: opts.remoteIp ?? req.socket.remoteAddress,
          user_agent: req.headers['user-agent'],
          referer: req.headers.referer,
          ...opts.logFields,
        },
        answer,
        size,
      );
    },

    answerSocket(error, socket) {
      // A reset or already destroyed socket cannot be answered.
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const answer = (error.code !== undefined ? socketErrorAnswers[error.code] : undefined) ?? edgeAnswers.malformedRequest;
      // No request was parsed: an empty header set always yields a fresh id.
      const requestId = requestIdOf({ headers: {} } as IncomingMessage);
      // Node keeps the response being written on this connection here; once its head is out, a
      // second response would corrupt the stream (the same check as Node's own default handler).
      const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      const answered = socket.writable && (!inFlight || !inFlight.headersSent);
      const body = answer.body;
      const remoteIp = socket.remoteAddress;
      if (answered) {
        let head = `HTTP/1.1 ${answer.status} ${statusTexts[answer.status] ?? ''}\r\n`;
        for (const [name, value] of Object.entries(securityHeaders)) head += `${name}: ${value}\r\n`;
        socket.write(
          `${head}Request-Id: ${requestId}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
      const fields = { request_id: requestId, remote_ip: remoteIp, error_code: error.code };
      // Garbage and half-sent requests of clients that went away are routine noise; every answer
      // that was actually sent gets its access line.
      if (answered) logAccess(fields, answer, Buffer.byteLength(body));
      else logger.debug(fields, 'client error on a connection that could not be answered');
    },
  };
}
