export { readProduceAcks } from './produce-acks.ts';
export { DEFAULT_MAX_FRAME_SIZE, FrameSizeError, FrameSplitter } from './splitter.ts';
