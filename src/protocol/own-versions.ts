// Versions of the requests Switchyard originates itself (address discovery, topology discovery,
// filters' topic-id lookups, API_VERSIONS of other routes): one place, so every part of the proxy
// asks brokers the same way. Each is served by every Kafka 3.x and 4.x broker.

/** METADATA: v12 is the first that resolves topic ids, and in it an empty topic list means "no topics". */
export const OWN_METADATA_VERSION = 12;

/** API_VERSIONS: flexible, and carries the client software name. */
export const OWN_API_VERSIONS_VERSION = 3;
