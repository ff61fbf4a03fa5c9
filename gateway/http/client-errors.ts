/**
 * Refusals that happen before any route: the HTTP parser's (a request that is not valid HTTP,
 * headers too large, a request not received in time) and the router's (a bad percent-escape, a
 * path parameter too long). They answer an ErrorBody like every other error, so a client reads
 * one format whatever refused it.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { EdcError } from '../../protocol/errors.ts';
import {
  ERR_BODY_INVALID,
  ERR_HEADERS_TOO_LARGE,
  ERR_HTTP_MALFORMED,
  ERR_PATH_TOO_LONG,
  ERR_REQUEST_TIMEOUT,
} from '../errors.ts';

/** fastify's router and body-reader codes that are a client's mistake, as the contract's coded errors. */
export function frameworkRefusal(code: string | undefined): EdcError | undefined {
  if (code === 'FST_ERR_BAD_URL')
    return new ERR_BODY_INVALID('Cannot route: expected a path with valid percent-escapes (%XX)', { issues: [] });
  if (code === 'FST_ERR_MAX_PARAM_LENGTH')
    return new ERR_PATH_TOO_LONG('Cannot route: expected path parameters of at most 100 characters', {
      paramCharsMax: 100,
    });
  if (code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
    return new ERR_BODY_INVALID('Cannot accept body: its size differs from content-length', { issues: [] });
  return undefined;
}

/** The parser's refusal for an error of node:http's clientError event. */
export function parserRefusal(code: string | undefined): EdcError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new ERR_REQUEST_TIMEOUT('Cannot read request: it was not received completely in time');
  if (code === 'HPE_HEADER_OVERFLOW')
    return new ERR_HEADERS_TOO_LARGE('Cannot read request: the request line and headers exceed 16384 bytes', {
      headerBytesMax: 16384,
    });
  return new ERR_HTTP_MALFORMED(
    `Cannot parse request: expected valid HTTP/1.1 (${code ?? 'unknown'}), e.g. not both content-length and ` +
      'transfer-encoding',
    { parser: code ?? 'unknown' },
  );
}

/**
 * fastify's clientErrorHandler: writes the coded answer and closes the socket, as node:http's own
 * handler does (the connection's framing is lost). onRefused counts it (metrics).
 */
export function clientErrorHandler(onRefused: (error: EdcError) => void) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const refusal = parserRefusal(err.code);
    onRefused(refusal);
    const body = JSON.stringify({ statusCode: refusal.statusCode, code: refusal.code, message: refusal.message });
    if (socket.writable)
      socket.write(
        `HTTP/1.1 ${refusal.statusCode} ${STATUS_CODES[refusal.statusCode] ?? 'Bad Request'}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n` +
          body,
      );
    socket.destroy();
  };
}
