/**
 * The one error type of jcpba. Every backend reports bad input with the same message,
 * and the same `code`, `field` and `client` (see docs/CORE_API.md for the exact list).
 */
export type ErrorCode =
  | 'invalid-input'
  | 'unknown-method'
  | 'invalid-option'
  | 'unknown-preset'
  | 'parse-error'
  | 'unknown-backend'
  | 'backend-unavailable'
  | 'internal';

/**
 * The error every entry point throws for bad input, an unknown method or backend, or a
 * backend that cannot load: a one-line message naming the field (and the client).
 */
export class JcpbaError extends Error {
  /** Always `JcpbaError`. */
  override name = 'JcpbaError';
  /** The kind of error, stable across backends (docs/CORE_API.md). */
  readonly code: ErrorCode;
  /** The offending field, as it is spelled in the problem JSON (`clients[3].txPowerW`). */
  readonly field?: string;
  /** The offending client's index (0-based), when the error is about one client. */
  readonly client?: number;

  constructor(code: ErrorCode, message: string, field?: string, client?: number) {
    super(message);
    this.code = code;
    if (field !== undefined) this.field = field;
    if (client !== undefined) this.client = client;
  }
}

/** Error for a field of the problem; `client` set when the field belongs to one client. */
export function invalidField(field: string, rule: string, client?: number): JcpbaError {
  const name = client === undefined ? field : `clients[${client}].${field}`;
  return new JcpbaError('invalid-input', `${name} ${rule}`, name, client);
}

export const POSITIVE = 'must be a positive finite number';
export const FRACTION = 'must be a finite number in [0, 1)';
export const CLOSED_FRACTION = 'must be a finite number in [0, 1]';
export const NON_NEGATIVE = 'must be a finite number >= 0';
