// Switchyard's public API: plugin interfaces, configuration loading and KafkaProxy for embedding.
// Everything not exported here is internal.
export {};
