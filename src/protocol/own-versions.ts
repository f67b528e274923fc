// Versions of the requests Switchyard originates itself (address discovery, topology discovery,
// filters' topic-id lookups, API_VERSIONS of other routes): one place, so every part of the proxy
// asks brokers the same way. Each is served by every Kafka 3.x and 4.x broker.

/** METADATA: v12 is the first that resolves topic ids, and in it an empty topic list means "no topics". */
export const OWN_METADATA_VERSION = 12;

/** API_VERSIONS: flexible, and carries the client software name. */
export const OWN_API_VERSIONS_VERSION = 3;

/** SASL_HANDSHAKE: v1 frames the authentication bytes in SASL_AUTHENTICATE (Kafka 4 accepts nothing else). */
export const OWN_SASL_HANDSHAKE_VERSION = 1;

/** SASL_AUTHENTICATE: v2 is flexible and carries the session lifetime of KIP-368 (every broker from 2.5 on). */
export const OWN_SASL_AUTHENTICATE_VERSION = 2;
