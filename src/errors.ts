/** Base class of every error Switchyard defines; `code` is stable and machine-readable. */
export class SwitchyardError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
