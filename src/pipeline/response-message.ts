import { responseHeaderVersion } from '../protocol/generated/api-keys.ts';
import { decodeResponseBody, encodeResponse, readResponseHeader } from '../protocol/index.ts';
import { type DecodeEvent, decodeChannel } from './diagnostics.ts';
import type { ApiMessage, HeaderTaggedField } from './types.ts';

/**
 * One response on its way back through the stages: the upstream's bytes, or a decoded body, or
 * both, decoded lazily and encoded again only when a stage changed it. `apiKey` and `apiVersion`
 * are those of the request it answers.
 */
export class ResponseMessage {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The bytes (size prefix included); undefined once the body changed or for a built response. */
  #frame: Buffer | undefined;
  #body: ApiMessage | undefined;
  /** Header tagged fields a plugin gave with a built response (respondWith(header, body)). */
  #headerTaggedFields: readonly HeaderTaggedField[] | undefined;

  private constructor(apiKey: number, apiVersion: number) {
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
  }

  static fromFrame(apiKey: number, apiVersion: number, frame: Buffer): ResponseMessage {
    const message = new ResponseMessage(apiKey, apiVersion);
    message.#frame = frame;
    return message;
  }

  static fromBody(
    apiKey: number,
    apiVersion: number,
    body: ApiMessage,
    headerTaggedFields?: readonly HeaderTaggedField[],
  ): ResponseMessage {
    const message = new ResponseMessage(apiKey, apiVersion);
    message.#body = body;
    message.#headerTaggedFields = headerTaggedFields;
    return message;
  }

  get isDecoded(): boolean {
    return this.#body !== undefined;
  }

  /** The decoded body, decoded on first use. Throws DecodeError for a malformed frame. */
  body(): ApiMessage {
    if (this.#body === undefined) {
      const frame = this.#frame!;
      const header = readResponseHeader(frame, responseHeaderVersion(this.apiKey as never, this.apiVersion));
      if (decodeChannel.hasSubscribers) {
        decodeChannel.publish({ direction: 'response', apiKey: this.apiKey } satisfies DecodeEvent);
      }
      this.#body = decodeResponseBody(this.apiKey, this.apiVersion, frame, header.bodyOffset) as ApiMessage;
    }
    return this.#body;
  }

  /** Says the body changed (or replaces it): it is encoded again on its way out. */
  bodyChanged(body?: ApiMessage): void {
    if (body !== undefined) this.#body = body;
    else this.body();
    this.#frame = undefined;
  }

  /**
   * The frame carrying `correlationId`, written in place into the bytes. A decoded body is encoded
   * once and the encoding kept until the body changes, so checking that a built response encodes
   * costs nothing more when it is written.
   */
  frameFor(correlationId: number): Buffer {
    let frame = this.#frame;
    if (frame === undefined) {
      frame = encodeResponse(
        this.apiKey,
        this.apiVersion,
        correlationId,
        this.#body as never,
        this.#headerTaggedFields,
      );
      this.#frame = frame;
      return frame;
    }
    frame.writeInt32BE(correlationId, 4);
    return frame;
  }

  /** The upstream's bytes, when unchanged. */
  get originalFrame(): Buffer | undefined {
    return this.#frame;
  }
}
