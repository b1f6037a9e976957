import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats ships CJS with a default export; under NodeNext it arrives wrapped.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/**
 * Schema keyword for the sentence shown when a value fails its `pattern` (or format): schemas
 * say what a valid value looks like in words, so nobody is shown a regular expression.
 * `{value}` is replaced by the offending value.
 * @example Type.String({ pattern: ID_PATTERN, [INVALID_MESSAGE]: 'No video with id "{value}": …' })
 */
export const INVALID_MESSAGE = 'x-invalid-message';

function makeAjv(opts: Options): Ajv {
  // verbose: errors carry their schema and value, which the messages below are built from.
  const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false, verbose: true, ...opts });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/**
 * Two validators: bodies are taken exactly as sent (no type coercion, unknown fields rejected
 * rather than silently dropped, so a client learns about its typo), while querystrings, params
 * and headers arrive as text and are coerced to the schema's types (`?limit=20` → 20).
 */
export function createSchemaCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false, removeAdditional: false });
  const lenient = makeAjv({ coerceTypes: 'array', removeAdditional: false });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : lenient;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

const PART_NAMES: Record<string, string> = { body: 'body', params: 'URL', querystring: 'query string', headers: 'headers' };
const TYPE_NAMES: Record<string, string> = { string: 'text', integer: 'a whole number', number: 'a number', boolean: 'true or false', array: 'a list', object: 'an object', null: 'null' };

/** A value as it may appear inside a message: short, and never markup. */
function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

const list = (values: unknown[]) => values.map((v) => String(v)).join(', ');
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The allowed values of a union of constants (TypeBox's Union of Literals), else undefined. */
function constants(branches: unknown): unknown[] | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const values = branches.map((b) => (b && typeof b === 'object' && 'const' in b ? (b as { const: unknown }).const : undefined));
  return values.every((v) => v !== undefined) ? values : undefined;
}

/** What is wrong with the value, as the end of a sentence ("must be one of: a, b"). */
function problem(e: ErrorObject, anyOf: ErrorObject | undefined): string {
  const p = e.params as Record<string, unknown>;
  const choices = anyOf ? constants(anyOf.schema) : undefined;
  if (choices) return `must be one of: ${list(choices)}`;
  switch (e.keyword) {
    case 'enum': return `must be one of: ${list(p.allowedValues as unknown[])}`;
    case 'const': return `must be ${quoted(p.allowedValue)}`;
    case 'type': return `must be ${TYPE_NAMES[String(p.type)] ?? String(p.type)}`;
    case 'minLength': return p.limit === 1 ? 'must not be empty' : `must be at least ${plural(p.limit as number, 'character')}`;
    case 'maxLength': return `must be at most ${plural(p.limit as number, 'character')}`;
    case 'minimum': return `must be at least ${String(p.limit)}`;
    case 'maximum': return `must be at most ${String(p.limit)}`;
    case 'minItems': return `must have at least ${plural(p.limit as number, 'item')}`;
    case 'maxItems': return `must have at most ${plural(p.limit as number, 'item')}`;
    case 'format': return `must be a valid ${String(p.format)}`;
    case 'pattern': return 'is not in the expected form';
    default: return e.message ?? 'is invalid';
  }
}

/**
 * One sentence a person can act on for the first validation error of a request: the field, what
 * is wrong and what is allowed — never a raw schema keyword or regular expression.
 * @example describeValidation(err.validation, 'body') // 'The body field "visibility" must be one of: public, unlisted, private.'
 */
export function describeValidation(errors: ErrorObject[], part = 'request'): string {
  const first = errors[0];
  const where = PART_NAMES[part] ?? part;
  if (!first) return `The ${where} is invalid.`;
  const custom = (first.parentSchema as Record<string, unknown> | undefined)?.[INVALID_MESSAGE];
  if (typeof custom === 'string' && (first.keyword === 'pattern' || first.keyword === 'format')) return custom.replace('{value}', quoted(first.data));
  const path = first.instancePath ? first.instancePath.slice(1).replace(/\//g, '.') : '';
  const subject = `The ${where}${path ? ` field "${path}"` : ''}`;
  const p = first.params as Record<string, unknown>;
  if (first.keyword === 'required') return `${subject} is missing the field "${String(p.missingProperty)}".`;
  if (first.keyword === 'additionalProperties') {
    const known = Object.keys((first.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    return `${subject} has an unknown field "${String(p.additionalProperty)}"${known.length ? ` (allowed: ${known.join(', ')})` : ''}.`;
  }
  if (first.keyword === 'minProperties') return `${subject} must contain at least ${plural(p.limit as number, 'field')}.`;
  // ajv reports a failed anyOf after its branches' errors: find it to list the allowed values.
  const anyOf = errors.find((e) => e.keyword === 'anyOf' && e.instancePath === first.instancePath);
  return `${subject} ${problem(first, anyOf)}.`;
}
