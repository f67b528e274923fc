/** Record-batch compression codecs, by name; the index in COMPRESSION_TYPES is the attribute value. */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Indexed by the codec id Kafka stores in the low three bits of batch (and message) attributes. */
export const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function compressionTypeId(type: CompressionType): number {
  return COMPRESSION_TYPES.indexOf(type);
}

export interface DecompressOptions {
  /** Upper bound of the decompressed size; more is a DecompressionLimitError, checked before allocating it. */
  readonly maxBytes: number;
  /** Position of the compressed data in the caller's buffer, so that errors name an absolute offset. */
  readonly offset?: number;
  /**
   * The data comes from a magic 0 message: Kafka before 0.10 wrote LZ4 frames whose header checksum
   * was computed over the wrong bytes (KAFKA-3160), so it is not checked.
   */
  readonly legacyLz4HeaderChecksum?: boolean;
}

/** One codec, loaded on first use. */
export interface Codec {
  compress(data: Buffer): Buffer;
  decompress(
    data: Buffer,
    options: Required<Pick<DecompressOptions, 'maxBytes' | 'offset'>> & DecompressOptions,
  ): Buffer;
}
