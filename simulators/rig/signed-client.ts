/**
 * Signed agent requests sent by the rig itself, straight to the gateway: what an attacker holding
 * an agent's key (a cloned device, modified firmware that skips the agent's own checks) can send.
 * The agent's forwarder would never send these; the rig does, to prove the gateway catches them.
 */
import { signRequest } from '../../protocol/messages/index.ts';
import type { LedgerEntry } from '../../protocol/messages/index.ts';

export interface SignedAnswer {
  readonly status: number;
  readonly code: string | undefined;
  readonly body: unknown;
}

export interface AgentIdentity {
  readonly agentId: string;
  readonly seed: string;
}

export async function signedRequest(
  baseUrl: string,
  who: AgentIdentity,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
): Promise<SignedAnswer> {
  const bytes = body ?? '';
  const headers = signRequest({ method, path, body: bytes }, { agentId: who.agentId, seed: who.seed });
  let response: Response;
  let text: string;
  try {
    response = await fetch(baseUrl + path, {
      method,
      headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: bytes } : {}),
    });
    text = await response.text();
  } catch {
    // No answer (nothing listens, connection reset): status 0, which no check accepts as a catch.
    return { status: 0, code: undefined, body: undefined };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = text;
  }
  const code =
    typeof parsed === 'object' && parsed !== null && typeof (parsed as { code?: unknown }).code === 'string'
      ? (parsed as { code: string }).code
      : undefined;
  return { status: response.status, code, body: parsed };
}

export function uploadEntries(
  baseUrl: string,
  who: AgentIdentity,
  entries: readonly LedgerEntry[],
): Promise<SignedAnswer> {
  return signedRequest(
    baseUrl,
    who,
    'POST',
    `/v1/agents/${who.agentId}/uploads`,
    JSON.stringify({ v: 1, agentId: who.agentId, entries }),
  );
}
