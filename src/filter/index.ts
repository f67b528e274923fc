// Public surface of the Filter API (docs/filters.md).

export { KafkaError } from '../pipeline/kafka-error.ts';
export { SessionClosedError } from '../pipeline/session-closed-error.ts';
export type {
  ApiMessage,
  ClientTlsDetails,
  Filter,
  FilterContext,
  FilterError,
  FilterFactory,
  FilterFactoryContext,
  FilterInterest,
  FilterMetrics,
  FilterResult,
  Principal,
  RequestFilterResult,
  RequestHeader,
  ResponseFilterResult,
  ResponseHeader,
  Subject,
  UpstreamConnectionContext,
} from './api.ts';
export type * from './generated/hooks.ts';
export { FilterResults } from './results.ts';
