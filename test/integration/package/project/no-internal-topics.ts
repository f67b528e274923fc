// A filter as a plugin author writes it, against the installed package: creating a topic whose
// name starts with the configured prefix is refused with POLICY_VIOLATION.
import { ErrorCode, type FilterFactory, FilterResults, KafkaError } from 'switchyard';

export const NoInternalTopics: FilterFactory<{ prefix: string }, string> = {
  configSchema: { type: 'object', required: ['prefix'], properties: { prefix: { type: 'string' } } },
  initialize: (_context, config) => config.prefix,
  createFilter: (_context, prefix) => ({
    onCreateTopicsRequest(_header, request) {
      const reserved = request.topics.find((topic) => topic.name.startsWith(prefix));
      return reserved === undefined
        ? FilterResults.forward()
        : FilterResults.respondWithError(new KafkaError(ErrorCode.POLICY_VIOLATION, `'${reserved.name}' is reserved`));
    },
  }),
};
