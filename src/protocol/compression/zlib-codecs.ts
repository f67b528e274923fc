import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { DecompressionError, DecompressionLimitError } from './errors.ts';
import type { Codec } from './types.ts';

type ZlibDecompress = (data: Buffer, options: { maxOutputLength: number }) => Buffer;

function bounded(name: string, decompress: ZlibDecompress): Codec['decompress'] {
  return (data, { maxBytes, offset }) => {
    try {
      // zlib grows its output chunk by chunk and stops at maxOutputLength, so a bomb never allocates
      // more than the limit.
      return decompress(data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new DecompressionLimitError(maxBytes, offset);
      throw new DecompressionError(`invalid ${name} data: ${(e as Error).message}`, offset, { cause: e });
    }
  };
}

export const gzip: Codec = {
  compress: (data) => gzipSync(data),
  decompress: bounded('gzip', gunzipSync),
};

export const zstd: Codec = {
  compress: (data) => zstdCompressSync(data),
  decompress: bounded('zstd', zstdDecompressSync),
};
