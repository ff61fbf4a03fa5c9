/**
 * The SMS-provider webhook (gateway/README.md "SMS-provider webhook"): POST /v1/sms/checkpoints,
 * served only when config.json has smsWebhook. The provider signs the exact body bytes:
 * X-EDC-SMS-Signature: t=<epoch ms>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>, compared in
 * constant time; t within smsWebhook.toleranceMs of the gateway's clock. A replay inside the
 * window is harmless: the same checkpoint again is a duplicate. Charged to the source address's
 * budget like other unauthenticated traffic (rate-limits.ts). The body is parsed only after the
 * signature verified.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decodeDeliver } from '../../../protocol/sms/pdu.ts';
import { acceptCheckpoint } from '../../checkpoints/accept.ts';
import { ERR_BODY_INVALID, ERR_SMS_WEBHOOK_AUTH } from '../../errors.ts';
import type { GatewayStore } from '../../store/types.ts';
import type { ContextWith } from '../context.ts';

/** A webhook body is one SMS: at most this many bytes. */
export const smsWebhookBodyBytesMax = 2048;
export const smsSignatureHeader = 'x-edc-sms-signature';

const hex = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^(?:[0-9A-Fa-f]{2})+$/);

export const SmsWebhookBody = z
  .strictObject({
    /** The sending number as the provider reports it. */
    sender: z.string().min(1).max(32),
    /** When the provider received the SMS (epoch ms). */
    receivedAt: z.number().int().min(0).max(8_640_000_000_000_000),
    /** The SMS-DELIVER PDU in hex, or ... */
    pdu: hex(2 * 200).optional(),
    /** ... the 8-bit user data alone (the 140 checkpoint octets) in hex. */
    userData: hex(2 * 140).optional(),
  })
  .refine((b) => (b.pdu === undefined) !== (b.userData === undefined), 'exactly one of pdu and userData');

type Store = Pick<GatewayStore, 'getAgent' | 'putCheckpoint' | 'entries' | 'recordFork'>;

function verifySignature(request: FastifyRequest, body: Buffer, secret: string, now: number, toleranceMs: number) {
  const header = request.headers[smsSignatureHeader];
  const match = typeof header === 'string' ? /^t=(\d{1,16}),v1=([0-9a-f]{64})$/.exec(header) : null;
  if (match === null)
    throw new ERR_SMS_WEBHOOK_AUTH(
      `Cannot accept SMS webhook: expected ${smsSignatureHeader}: t=<epoch ms>,v1=<64 hex>, found none or malformed`,
    );
  const t = Number(match[1]);
  if (Math.abs(now - t) > toleranceMs)
    throw new ERR_SMS_WEBHOOK_AUTH(
      `Cannot accept SMS webhook: expected t within ${toleranceMs} ms of ${now}, found ${t}`,
    );
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex')))
    throw new ERR_SMS_WEBHOOK_AUTH(
      'Cannot accept SMS webhook: expected an HMAC of the body by the shared secret, found another',
    );
}

function parseBody(raw: Buffer): z.infer<typeof SmsWebhookBody> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ERR_BODY_INVALID('Cannot accept SMS webhook: expected a JSON body, found malformed JSON');
  }
  const parsed = SmsWebhookBody.safeParse(value);
  if (!parsed.success)
    throw new ERR_BODY_INVALID('Cannot accept SMS webhook: the body fails its schema', {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  return parsed.data;
}

export function smsRoutes(ctx: ContextWith<Store>) {
  return (app: FastifyInstance): Promise<void> => {
    const webhook = ctx.config.smsWebhook;
    if (webhook === undefined) return Promise.resolve();
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: smsWebhookBodyBytesMax },
      (_request, body, done) => done(null, body),
    );
    app.post('/v1/sms/checkpoints', { schema: { tags: ['sms'], hide: true } }, async (request) => {
      const raw = request.body as Buffer;
      verifySignature(request, raw, webhook.secret, ctx.now(), webhook.toleranceMs);
      const body = parseBody(raw);
      const octets = body.userData !== undefined ? Buffer.from(body.userData, 'hex') : decodeDeliver(body.pdu!).data;
      const accepted = await acceptCheckpoint(ctx.store, octets, {
        source: 'webhook',
        sender: body.sender,
        receivedAt: ctx.now(),
      });
      const { agentId, seq } = accepted.record;
      const log = { agentId, seq, put: accepted.put, chain: accepted.chain };
      if (accepted.chain === 'fork') request.log.error(log, 'checkpoint contradicts the held chain (fork)');
      else request.log.info(log, 'checkpoint received (webhook)');
      return { agentId, seq, put: accepted.put, chain: accepted.chain };
    });
    return Promise.resolve();
  };
}
