// Public surface of the Filter API (docs/filters.md).
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
} from './api.ts';
export { SessionClosedError } from './errors.ts';
export type * from './generated/hooks.ts';
export { KafkaError } from './kafka-error.ts';
export { FilterResults } from './results.ts';
