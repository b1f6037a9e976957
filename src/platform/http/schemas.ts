import { Type, type TSchema } from '@sinclair/typebox';

/** The JSON error body every failing route returns. */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
});

/** Declares the usual error responses of a route next to its success response(s). */
export function responses(ok: Record<number, TSchema>, errors: number[] = [400, 401, 403, 404]) {
  const out: Record<number, TSchema> = { ...ok };
  for (const status of errors) out[status] = ErrorBody;
  return out;
}
