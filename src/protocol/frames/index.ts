export { FrameBytes } from './frame-bytes.ts';
export { readProduceAcks } from './produce-acks.ts';
export {
  DEFAULT_MAX_FRAME_SIZE,
  FrameSizeError,
  FrameSplitter,
  type FrameStreamer,
  STREAM_HEAD_BYTES,
  STREAM_MIN_FRAME_BYTES,
} from './splitter.ts';
