/**
 * Invariant 5 at the gateway's door: bad requests of several kinds, each must get its typed,
 * coded error, and none may change the gateway's state (summary counters and agents' heads are
 * compared before and after).
 */
import { generateSigningKeyPair } from '../../protocol/crypto/index.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import type { Prng } from '../common/prng.ts';
import { signedRequest, type AgentIdentity } from './signed-client.ts';

export interface ProbeResult {
  readonly name: string;
  readonly expected: string;
  readonly found: string;
  readonly ok: boolean;
}

async function state(store: GatewayStore, tahap: string, agentIds: readonly string[]): Promise<string> {
  const heads = await Promise.all(agentIds.map((id) => store.head(id)));
  return JSON.stringify({ summary: await store.summary(tahap, {}), heads });
}

export async function runProbes(
  prng: Prng,
  url: string,
  store: GatewayStore,
  tahap: string,
  agent: AgentIdentity,
  agentIds: readonly string[],
): Promise<{ probes: ProbeResult[]; stateUnchanged: boolean }> {
  const before = await state(store, tahap, agentIds);
  const stranger = { agentId: 'AGT-999', seed: generateSigningKeyPair((n) => prng.bytes(n)).seed };
  const wrongKey = { agentId: agent.agentId, seed: stranger.seed };
  const uploads = `/v1/agents/${agent.agentId}/uploads`;
  const cases: [string, string, () => ReturnType<typeof signedRequest>][] = [
    [
      'upload body that is not JSON',
      '400 EDC_ERR_BODY_INVALID',
      () => signedRequest(url, agent, 'POST', uploads, '{"v":1,'),
    ],
    [
      'upload with no entries',
      '400 EDC_ERR_BODY_INVALID',
      () => signedRequest(url, agent, 'POST', uploads, JSON.stringify({ v: 1, agentId: agent.agentId, entries: [] })),
    ],
    [
      'upload with an unknown field',
      '400 EDC_ERR_BODY_INVALID',
      () =>
        signedRequest(
          url,
          agent,
          'POST',
          uploads,
          JSON.stringify({ v: 1, agentId: agent.agentId, entries: [], extra: 1 }),
        ),
    ],
    [
      'request from an agent never enrolled',
      '403 EDC_ERR_AUTH_AGENT',
      () => signedRequest(url, stranger, 'GET', `/v1/agents/${stranger.agentId}/head`),
    ],
    [
      'request signed with another key',
      '401 EDC_ERR_AUTH_SIGNATURE',
      () => signedRequest(url, wrongKey, 'GET', `/v1/agents/${agent.agentId}/entitlements`),
    ],
    [
      'path agent differs from the signer',
      '403 EDC_ERR_AUTH_AGENT',
      () =>
        signedRequest(url, agent, 'GET', `/v1/agents/${agentIds.find((id) => id !== agent.agentId) ?? 'AGT-998'}/head`),
    ],
  ];
  const probes: ProbeResult[] = [];
  for (const [name, expected, send] of cases) {
    const answer = await send();
    const found = `${answer.status} ${answer.code ?? '-'}`;
    probes.push({ name, expected, found, ok: found === expected });
  }
  return { probes, stateUnchanged: before === (await state(store, tahap, agentIds)) };
}
