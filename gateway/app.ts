/**
 * buildGateway: the Fastify app, built as a function (tests use inject(); only the CLI listens).
 * Order: external plugins (rate limit counters, swagger), the app's hooks and parsers, then routes.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { inlineVerifier, VerifyPool } from './crypto/verify-pool.ts';
import { ulidFactory } from '../protocol/ids.ts';
import type { GatewayConfig, GatewayKeys } from './config.ts';
import { ERR_BODY_INVALID, ERR_MEDIA_TYPE, ERR_UNAVAILABLE } from './errors.ts';
import type { GatewayStore, TokenRecord } from './store/types.ts';
import type { GatewayContext } from './http/context.ts';
import { clientErrorHandler } from './http/client-errors.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { createLogger } from './http/logger.ts';
import { Metrics } from './http/metrics.ts';
import { createUploadAdmission } from './http/upload-admission.ts';
import { createRateLimits } from './http/rate-limits.ts';
import './http/request-types.ts';
import { agentRoutes } from './http/routes/agent.ts';
import { smsRoutes } from './http/routes/sms.ts';
import { healthRoutes } from './http/routes/health.ts';
import { staffRoutes } from './http/routes/staff.ts';
import { webAppRoutes } from './http/routes/web-app.ts';
import { AgentActivity, agentRouteOf } from './http/agent-activity.ts';
import { agentGauges } from './http/agents-overview.ts';

export interface BuildGatewayOptions {
  readonly store: GatewayStore;
  readonly keys: GatewayKeys;
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Tests: the monotonic clock beside `now` (the replay guard's, http/replay-clock.ts). */
  readonly monotonicNow?: () => number;
  readonly ulid?: () => string;
  /**
   * Worker threads that verify uploaded entries' signatures (gateway/crypto/verify-pool.ts);
   * 0 (the default) verifies on the event loop. `edc-gateway serve` uses one per core.
   */
  readonly verifyWorkers?: number;
  /**
   * Staff tokens that exist only in this process's memory (serve's token for local commands,
   * cli/local-server.ts), accepted beside the store's.
   */
  readonly localTokens?: readonly TokenRecord[];
  /** PEM certificate chain and key: the server speaks HTTPS only (serve --tls-cert/--tls-key). */
  readonly https?: { readonly cert: string; readonly key: string };
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly context: GatewayContext;
}

/**
 * The one body parser: application/json in UTF-8, kept as the exact bytes (the agent's request
 * signature covers them). Fastify's other default parser (text/plain) is removed, so any other
 * content type is 415 EDC_ERR_MEDIA_TYPE before authentication: an agent must never read a
 * client mistake as an auth failure (it halts on 401).
 */
function jsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(
        new ERR_MEDIA_TYPE(
          `Cannot read body: expected content-type application/json in UTF-8, found charset ${charset}`,
        ),
        undefined,
      );
      return;
    }
    request.rawBody = body;
    try {
      done(null, JSON.parse(body.toString('utf8')) as unknown);
    } catch {
      done(
        new ERR_BODY_INVALID(`Cannot parse body: expected JSON, found ${body.length} bytes that are not`, {
          issues: [],
        }),
        undefined,
      );
    }
  });
}

/** jsonSchemaTransform, and every /v1/staff route declares the bearer scheme so /docs can try it. */
const staffSecurityTransform: typeof jsonSchemaTransform = (input) => {
  const out = jsonSchemaTransform(input);
  if (!input.url.startsWith('/v1/staff/')) return out;
  return { ...out, schema: { ...out.schema, security: [{ staffToken: [] }] } };
};

/** OpenAPI at /docs (UI) and /docs/json, with the staff bearer scheme. */
async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'EDC offline gateway',
        description: 'Agent API (signed requests) and staff API (bearer tokens). See gateway/README.md.',
        version: '1.0.0',
      },
      components: {
        securitySchemes: {
          staffToken: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A staff token from `edc-gateway tokens create` or POST /v1/staff/tokens (role decides the routes)',
          },
        },
      },
    },
    transform: staffSecurityTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
}

/**
 * A successful agent request is a contact; before the answer leaves, at most once per agent per
 * minute, it is written to the store (what a restart keeps).
 */
function recordContacts(app: FastifyInstance, context: GatewayContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const agentRoute = agentRouteOf(request.routeOptions.url);
    if (agentRoute === undefined || reply.statusCode >= 300 || request.agent === undefined) return payload;
    const { agentId } = request.agent;
    const at = context.now();
    context.activity.record(agentId, agentRoute, at);
    const due = context.activity.persistDue(agentId, at);
    if (due !== undefined) await context.store.recordAgentContact(agentId, due);
    return payload;
  });
}

/**
 * While the app closes (SIGTERM): what is in flight finishes, a request that arrives on a kept-alive
 * connection is refused with a coded 503 and Retry-After, which an agent retries, and the connection
 * closes (fastify's own closing answer carries no code).
 */
const stopping = () =>
  new ERR_UNAVAILABLE('Cannot accept request: the gateway is stopping; retry after 1 s', { retryAfterSeconds: 1 });

function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply.header('connection', 'close');
    done(stopping());
  });
}

function observeDurations(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeDuration(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
}

export async function buildGateway(options: BuildGatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger: FastifyBaseLogger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics();
  // The router's refusals (bad percent-escape, parameter too long) go through the one error
  // handler, set once the app exists; the parser's are answered on the socket (http/client-errors.ts).
  const late: {
    handleError?: (error: unknown, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  } = {};
  const base = {
    loggerInstance: logger,
    bodyLimit: config.uploadBodyBytesMax,
    trustProxy: false,
    // Requests that arrive while the app closes get the coded refusal below, not fastify's bare 503.
    return503OnClosing: false,
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      void late.handleError!(error, request, reply),
    clientErrorHandler: clientErrorHandler((refusal) =>
      metrics.inc('edc_gateway_errors_total', { code: refusal.code }),
    ),
  };
  // One app type whatever the transport: routes never look at the socket.
  const app: FastifyInstance =
    options.https === undefined ? Fastify(base) : Fastify({ ...base, https: { ...options.https } });
  // The plugin only provides the counters (createRateLimit); which budget a request is charged
  // to is decided after authentication (http/rate-limits.ts).
  await app.register(fastifyRateLimit, { global: false });
  const rateLimits = createRateLimits(app, config);
  const context: GatewayContext = {
    store: options.store,
    keys: options.keys,
    config,
    now: options.now ?? Date.now,
    monotonicNow: options.monotonicNow,
    ulid: options.ulid ?? ulidFactory(),
    metrics,
    activity: new AgentActivity(),
    rateLimits,
    verifier: (options.verifyWorkers ?? 0) > 0 ? new VerifyPool({ workers: options.verifyWorkers }) : inlineVerifier,
  };
  metrics.onScrape(() => agentGauges(context));
  let ready = false;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  late.handleError = errorHandler(metrics, config.uploadBodyBytesMax, rateLimits);
  app.setErrorHandler(late.handleError);
  refuseWhileClosing(app);
  app.addHook('onRequest', rateLimits.onRequest);
  app.addHook('onRequest', createUploadAdmission(config).onRequest);
  app.setNotFoundHandler(notFoundHandler(metrics));
  jsonParser(app);
  observeDurations(app, metrics);
  recordContacts(app, context);
  app.addHook('onReady', async () => {
    // The verification workers load their modules first: an upload meets a pool that verifies at once.
    await context.verifier.ready();
    ready = true;
  });
  app.addHook('onClose', async () => {
    ready = false;
    await context.verifier.close();
  });
  await openApi(app);
  await app.register(healthRoutes(context, () => ready));
  await app.register(async (scope) => {
    await scope.register(agentRoutes(context));
  });
  await app.register(staffRoutes(context, options.localTokens ?? []));
  await app.register(smsRoutes(context));
  await app.register(webAppRoutes());
  return { app, context };
}
