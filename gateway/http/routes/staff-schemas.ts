/** Schemas of the staff API (responses are plain data, no personal data). */
import { z } from 'zod';
import { Bank, ErrorBody, Tahap } from '../../../protocol/messages/schemas.ts';
import { kpmCategories, resolutionReasons, withdrawalCategories } from '../../recon/categories.ts';
import { exceptionAgeBuckets, kpmExceptionKinds, withdrawalExceptionKinds } from '../../recon/exceptions.ts';

export const TahapParams = z.strictObject({ tahap: Tahap });
/**
 * A region filter is a prefix of the 10-digit Kemendagri code at one of its levels: province (2
 * digits), regency (4), district (6) or village (10). Any other length names no level.
 */
export const regionPrefixPattern = /^(?:[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10})$/;
export const regionPrefixRule =
  'expected a region code prefix of 2, 4, 6 or 10 digits (province, regency, district, village)';
export const RegionPrefix = z.string().regex(regionPrefixPattern, regionPrefixRule);
export const Filter = {
  bank: Bank.optional(),
  region: RegionPrefix.optional(),
};
export const PageQuery = z.strictObject({
  ...Filter,
  after: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const KpmCategory = z.enum(kpmCategories);
export const WithdrawalCategory = z.enum(withdrawalCategories);
export const Role = z.enum(['viewer', 'reconciler', 'admin']);
export const staffErrors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
};
export const ExceptionState = z.enum(['open', 'investigating', 'resolved']);
export const ExceptionKind = z.enum([...kpmExceptionKinds, ...withdrawalExceptionKinds]);
export const ResolutionReason = z.enum(resolutionReasons);

export const PositionView = z.object({
  kpmId: z.string(),
  bank: z.string(),
  regionCode: z.string(),
  category: KpmCategory,
  credited: z.number(),
  failed: z.number(),
  returned: z.number(),
  drawn: z.number(),
  withdrawn: z.number(),
  unclaimed: z.number(),
  overdrawnExcess: z.number(),
});
export const WithdrawalView = z.object({
  ref: z.string(),
  source: z.enum(['chain', 'fork', 'tampered']),
  agentId: z.string(),
  seq: z.number(),
  hash: z.string(),
  kpmId: z.string(),
  amount: z.number(),
  category: WithdrawalCategory,
  settlement: z.enum(['payable', 'disputed', 'refused', 'none']),
  bank: z.string(),
  regionCode: z.string(),
});
export const ExceptionEvent = z.object({
  at: z.number(),
  actor: z.string(),
  from: ExceptionState,
  to: ExceptionState,
  reason: ResolutionReason.optional(),
  note: z.string(),
});
export const ExceptionView = z.object({
  id: z.string(),
  tahap: z.string(),
  kind: z.string(),
  kpmId: z.string(),
  agentId: z.string().optional(),
  amount: z.number(),
  state: ExceptionState,
  assignee: z.string().optional(),
  history: z.array(ExceptionEvent).readonly(),
  openedAt: z.number().int().optional(),
});
export const ExceptionAgeBucket = z.enum(exceptionAgeBuckets);
export const ExceptionAgeing = z.object({
  buckets: z.record(ExceptionAgeBucket, z.number().int()),
  complete: z.boolean(),
});
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item).readonly(), next: z.string().optional() });
