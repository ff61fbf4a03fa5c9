/**
 * buildGateway: the Fastify app, built as a function (tests use inject(); only the CLI listens).
 * Order: external plugins (swagger, rate limit), the app's hooks and parsers, then routes.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { ulidFactory } from '../protocol/ids.ts';
import type { GatewayConfig, GatewayKeys } from './config.ts';
import { ERR_BODY_INVALID, ERR_RATE_LIMITED } from './errors.ts';
import type { GatewayStore } from './store/types.ts';
import type { GatewayContext } from './http/context.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { createLogger } from './http/logger.ts';
import { Metrics } from './http/metrics.ts';
import './http/request-types.ts';
import { agentRoutes } from './http/routes/agent.ts';
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
  readonly ulid?: () => string;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly context: GatewayContext;
}

function jsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
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

async function rateLimit(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: true,
    max: config.rateRequestsMax,
    timeWindow: config.rateWindowMs,
    // Keyed by the claimed agent and the source address: a stranger claiming an agent's id
    // from elsewhere cannot use up that agent's allowance.
    keyGenerator: (request) => `${String(request.headers['x-edc-agent'] ?? '-')}|${request.ip}`,
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
      // The plugin throws what this returns: an EdcError reaches the one error handler.
      return new ERR_RATE_LIMITED(
        `Cannot accept request: expected at most ${context.max} requests per window, ` +
          `retry after ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    },
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

export async function buildGateway(options: BuildGatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger: FastifyBaseLogger = options.logger ?? createLogger(config.logLevel);
  const app = Fastify({ loggerInstance: logger, bodyLimit: config.uploadBodyBytesMax, trustProxy: false });
  const metrics = new Metrics();
  const context: GatewayContext = {
    store: options.store,
    keys: options.keys,
    config,
    now: options.now ?? Date.now,
    ulid: options.ulid ?? ulidFactory(),
    metrics,
    activity: new AgentActivity(),
  };
  metrics.onScrape(() => agentGauges(context));
  let ready = false;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(metrics, config.uploadBodyBytesMax));
  app.setNotFoundHandler(notFoundHandler(metrics));
  jsonParser(app);
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeDuration(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    const agentRoute = agentRouteOf(request.routeOptions.url);
    if (agentRoute !== undefined && reply.statusCode < 300 && request.agent !== undefined)
      context.activity.record(request.agent.agentId, agentRoute, context.now());
  });
  app.addHook('onReady', (done) => {
    ready = true;
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    ready = false;
    done();
  });
  await openApi(app);
  await rateLimit(app, config);
  await app.register(healthRoutes(context, () => ready));
  await app.register(async (scope) => {
    await scope.register(agentRoutes(context));
  });
  await app.register(staffRoutes(context));
  await app.register(webAppRoutes());
  return { app, context };
}
