import type { CoreError } from './types.js';

/**
 * Builds an error shaped like the ones the native addon throws (see CoreError): an
 * empty `field` (no input at fault) leaves the property out, as the addon does.
 */
export function coreError(code: string, field: string, message: string, client?: number): CoreError {
  const error = new Error(message) as CoreError;
  error.code = code;
  if (field !== '') error.field = field;
  if (client !== undefined) error.client = client;
  return error;
}
