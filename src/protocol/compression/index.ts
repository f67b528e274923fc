import type { Codec, CompressionType, DecompressOptions } from './types.ts';

export { DecompressionError, DecompressionLimitError } from './errors.ts';
export type { CompressionType, DecompressOptions } from './types.ts';
export { COMPRESSION_TYPES, compressionTypeId } from './types.ts';

// Codec modules (and the native libraries behind snappy and lz4) are imported on first use, so a
// proxy that never sees compressed batches never loads them.
const loaded = new Map<CompressionType, Codec>();
const loading = new Map<CompressionType, Promise<Codec>>();

async function importCodec(type: Exclude<CompressionType, 'none'>): Promise<Codec> {
  switch (type) {
    case 'gzip':
      return (await import('./zlib-codecs.ts')).gzip;
    case 'zstd':
      return (await import('./zlib-codecs.ts')).zstd;
    case 'snappy':
      return (await import('./snappy.ts')).snappy;
    case 'lz4':
      return (await import('./lz4.ts')).lz4;
  }
}

function codec(type: Exclude<CompressionType, 'none'>): Codec | Promise<Codec> {
  const ready = loaded.get(type);
  if (ready !== undefined) return ready;
  let pending = loading.get(type);
  if (pending === undefined) {
    pending = importCodec(type).then((c) => {
      loaded.set(type, c);
      return c;
    });
    loading.set(type, pending);
  }
  return pending;
}

/** Compresses with Kafka's framing for the codec (xerial for snappy, the LZ4 frame format for lz4). */
export async function compress(type: CompressionType, data: Buffer): Promise<Buffer> {
  if (type === 'none') return data;
  return (await codec(type)).compress(data);
}

/**
 * Decompresses one codec's data. Malformed data is a DecompressionError, output beyond
 * `options.maxBytes` a DecompressionLimitError, both DecodeErrors naming an offset.
 */
export async function decompress(type: CompressionType, data: Buffer, options: DecompressOptions): Promise<Buffer> {
  if (type === 'none') return data;
  return (await codec(type)).decompress(data, { ...options, offset: options.offset ?? 0 });
}
