// Virtual producer ids: idempotent producers whose batches reach several clusters through one
// router level (docs/design/2026-12-03-virtual-producer-ids.md).
export { ProducerTable } from './producer-table.ts';
export { ProducerIdsSession, VirtualProducerIds } from './virtual-producer-ids.ts';
export { withVirtualProducerIds } from './with-virtual-producer-ids.ts';
