/**
 * One error handler for the whole app: an EdcError becomes its ErrorBody; fastify's own errors
 * (bad JSON, body too large, schema validation) become the contract's coded errors; anything
 * else is logged and answered 500 with no detail. No response ever carries a stack trace.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isEdcError, type EdcError } from '../../protocol/errors.ts';
import type { ErrorBody } from '../../protocol/messages/schemas.ts';
import { ERR_BODY_INVALID, ERR_BODY_TOO_LARGE, ERR_INTERNAL, ERR_MEDIA_TYPE, ERR_NOT_FOUND } from '../errors.ts';
import { frameworkRefusal } from './client-errors.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimits } from './rate-limits.ts';

const issuesMax = 20;

function toEdcError(error: unknown, bodyBytesMax: number, contentType: string | undefined): EdcError | undefined {
  if (isEdcError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation
      .slice(0, issuesMax)
      .map((v) => ({ path: v.instancePath, message: v.message ?? 'invalid' }));
    const where = error.validationContext ?? 'body';
    return new ERR_BODY_INVALID(
      `Cannot accept ${where}: expected it to match the schema, found ${error.validation.length} problem(s): ${issues
        .map((i) => `${i.path || '/'} ${i.message}`)
        .slice(0, 3)
        .join('; ')}`,
      { issues },
    );
  }
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new ERR_BODY_TOO_LARGE(`Cannot accept body: expected at most ${bodyBytesMax} bytes, found more`, {
      bodyBytesMax,
    });
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const found = contentType === undefined ? 'none' : JSON.stringify(contentType.slice(0, 80));
    return new ERR_MEDIA_TYPE(`Cannot read body: expected content-type application/json, found ${found}`);
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return new ERR_BODY_INVALID('Cannot accept body: expected JSON, found none or malformed', { issues: [] });
  if (code === 'FST_ERR_VALIDATION')
    return new ERR_BODY_INVALID(`Cannot accept request: ${(error as FastifyError).message}`, { issues: [] });
  return frameworkRefusal(code);
}

export function errorBody(error: EdcError): ErrorBody {
  const body: ErrorBody = { statusCode: error.statusCode, code: error.code, message: error.message.slice(0, 2000) };
  return Object.keys(error.details).length > 0 ? { ...body, details: { ...error.details } } : body;
}

export function errorHandler(metrics: Metrics, bodyBytesMax: number, rateLimits: RateLimits) {
  return async (error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    let coded = toEdcError(error, bodyBytesMax, request.headers['content-type']);
    // Refused before any budget was charged (authentication failed, or the body before it): the
    // source address pays, and over its budget the answer is 429 rather than the refusal. Not for a
    // 503: the gateway could not serve (its store failed, say, before authentication could read the
    // agent), and agents behind one carrier NAT retrying it would turn it into 429s for all of them.
    if (coded?.statusCode !== 503) coded = (await rateLimits.chargeRefused(request).catch(() => undefined)) ?? coded;
    if (coded === undefined) {
      request.log.error({ err: error }, 'unexpected failure');
      coded = new ERR_INTERNAL('Cannot complete the request: unexpected failure (see the gateway log)');
    } else if (coded.statusCode >= 500) request.log.warn({ code: coded.code }, coded.message);
    else request.log.info({ code: coded.code }, 'request refused');
    metrics.inc('edc_gateway_errors_total', { code: coded.code });
    const retryAfter = coded.details.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    return reply.code(coded.statusCode).type('application/json').send(errorBody(coded));
  };
}

export function notFoundHandler(metrics: Metrics) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const error = new ERR_NOT_FOUND(`Cannot ${request.method} ${request.url.split('?')[0] ?? ''}: no such route`);
    metrics.inc('edc_gateway_errors_total', { code: error.code });
    return reply.code(404).send(errorBody(error));
  };
}
