/** Agent API (HTTP contract): uploads, entitlement sets, head. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AgentId,
  ErrorBody,
  SignedEntitlementSet,
  SignedReceipt,
  Tahap,
  UploadBatch,
} from '../../../protocol/messages/schemas.ts';
import { signEntitlementSet, signReceipt, type ChainHead } from '../../../protocol/messages/signed.ts';
import { ERR_AUTH_AGENT, ERR_NO_ENTITLEMENTS } from '../../errors.ts';
import { ingestSegment } from '../../ingest/upload.ts';
import { UploadOrderGate } from '../../ingest/order-gate.ts';
import { checkAgentStatus } from '../../ingest/agent-status.ts';
import type { AgentRecord, ChainStore, DisbursementStore } from '../../store/types.ts';
import type { ContextWith, GatewayContext } from '../context.ts';
import { agentAuthHook } from '../agent-auth.ts';

const AgentParams = z.strictObject({ agentId: AgentId });
const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
};

function receipt(
  ctx: Pick<GatewayContext, 'ulid' | 'keys'>,
  agentId: string,
  head: ChainHead,
  accepted: number,
  duplicates: number,
  now: number,
): SignedReceipt {
  return signReceipt(
    {
      v: 1,
      receiptId: ctx.ulid(),
      agentId,
      ackSeq: head.seq,
      ackHash: head.hash,
      accepted,
      duplicates,
      receivedAt: now,
    },
    ctx.keys.signingSeed,
  );
}

async function storeUpload(
  ctx: ContextWith<ChainStore>,
  agent: AgentRecord,
  batch: UploadBatch,
  log: FastifyBaseLogger,
  order: UploadOrderGate,
): Promise<SignedReceipt> {
  if (batch.agentId !== agent.agentId)
    throw new ERR_AUTH_AGENT(
      `Cannot accept upload: batch agentId ${batch.agentId} is not the signing agent ${agent.agentId}`,
    );
  const now = ctx.now();
  try {
    const reported = checkAgentStatus(batch, now);
    const result = await ingestSegment(ctx.store, agent, batch.entries, now, ctx.verifier, order);
    if (reported !== undefined) ctx.activity.report(agent.agentId, reported);
    ctx.metrics.inc('edc_gateway_uploads_total', { outcome: 'accepted' });
    ctx.metrics.inc('edc_gateway_entries_accepted_total', {}, result.accepted);
    ctx.metrics.inc('edc_gateway_entries_duplicate_total', {}, result.duplicates);
    log.info(
      {
        agentId: agent.agentId,
        accepted: result.accepted,
        duplicates: result.duplicates,
        headSeq: result.head.seq,
      },
      'upload stored',
    );
    return receipt(ctx, agent.agentId, result.head, result.accepted, result.duplicates, now);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown';
    ctx.metrics.inc('edc_gateway_uploads_total', { outcome: code });
    if (code === 'EDC_ERR_UPLOAD_FORK') ctx.metrics.inc('edc_gateway_forks_total');
    throw error;
  }
}

function uploadRoute(app: FastifyInstance, ctx: ContextWith<ChainStore>): void {
  const order = new UploadOrderGate();
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/agents/:agentId/uploads',
    {
      schema: {
        tags: ['agent'],
        summary: 'Upload ledger entries; answers a gateway-signed receipt',
        params: AgentParams,
        body: UploadBatch,
        response: { 200: SignedReceipt, ...errors },
      },
    },
    async (request) => storeUpload(ctx, request.agent!, request.body, request.log, order),
  );
}

async function issueEntitlementSet(
  ctx: ContextWith<DisbursementStore>,
  agent: AgentRecord,
  requestedTahap: string | undefined,
): Promise<SignedEntitlementSet> {
  const tahap = requestedTahap ?? ctx.config.activeTahap ?? (await ctx.store.latestTahap());
  if (tahap === undefined)
    throw new ERR_NO_ENTITLEMENTS(
      'Cannot issue entitlements: expected an active tahap or imported disbursements, found neither',
    );
  const snapshot = await ctx.store.entitlementSnapshot(agent.agentId, tahap);
  const issuedAt = ctx.now();
  const body = {
    v: 1 as const,
    setId: ctx.ulid(),
    agentId: agent.agentId,
    tahap,
    issuedAt,
    expiresAt: issuedAt + ctx.config.offlineAgeMaxHours * 3_600_000,
    basedOnSeq: snapshot.basedOnSeq,
    lookupKey: snapshot.lookupKey,
    sealKey: ctx.keys.sealPublicKey,
    limits: snapshot.limits ?? ctx.config.limits,
    entitlements: [...snapshot.entitlements],
  };
  // Recorded whole: reconciliation checks every withdrawal against the set it names.
  await ctx.store.recordEntitlementSet({
    setId: body.setId,
    agentId: agent.agentId,
    tahap,
    issuedAt,
    notBefore: issuedAt - ctx.config.requestClockSkewMaxMs,
    expiresAt: body.expiresAt,
    basedOnSeq: body.basedOnSeq,
    limits: body.limits,
    entitlements: body.entitlements,
  });
  ctx.metrics.inc('edc_gateway_entitlement_sets_total');
  return signEntitlementSet(body, ctx.keys.signingSeed);
}

function entitlementsRoute(app: FastifyInstance, ctx: ContextWith<DisbursementStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/agents/:agentId/entitlements',
    {
      schema: {
        tags: ['agent'],
        summary: 'A gateway-signed entitlement set for the agent',
        params: AgentParams,
        querystring: z.strictObject({ tahap: Tahap.optional() }),
        response: { 200: SignedEntitlementSet, ...errors },
      },
    },
    async (request) => issueEntitlementSet(ctx, request.agent!, request.query.tahap),
  );
}

function headRoute(app: FastifyInstance, ctx: ContextWith<ChainStore>): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/agents/:agentId/head',
    {
      schema: {
        tags: ['agent'],
        summary: "The gateway's head for the agent as a signed receipt",
        params: AgentParams,
        response: { 200: SignedReceipt, ...errors },
      },
    },
    async (request) => {
      const agent = request.agent!;
      return receipt(ctx, agent.agentId, await ctx.store.head(agent.agentId), 0, 0, ctx.now());
    },
  );
}

export function agentRoutes(ctx: GatewayContext) {
  return (app: FastifyInstance): Promise<void> => {
    app.addHook(
      'preValidation',
      agentAuthHook({
        store: ctx.store,
        skewMaxMs: ctx.config.requestClockSkewMaxMs,
        now: ctx.now,
        monotonicNow: ctx.monotonicNow,
        rateLimits: ctx.rateLimits,
      }),
    );
    uploadRoute(app, ctx);
    entitlementsRoute(app, ctx);
    headRoute(app, ctx);
    return Promise.resolve();
  };
}
