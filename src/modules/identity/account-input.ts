import { Value } from '@sinclair/typebox/value';
import { Password, Username } from './schemas.js';

/**
 * Why an account cannot be created from these values, in words for the person typing them, or
 * undefined when they are fine. The HTTP API checks the same schemas through its validator; this
 * is for input that does not come through HTTP (`kinema users create`).
 */
export function describeAccountInputProblem(input: { username: string; email: string; password: string }): string | undefined {
  if (!Value.Check(Username, input.username)) return `username "${input.username}" is not allowed: ${Username.description}`;
  // The API checks RFC 5321 syntax (ajv-formats); here a typo is what to catch.
  if (input.email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) return `email "${input.email}" is not an email address`;
  if (!Value.Check(Password, input.password)) return 'the password must be 8 to 200 characters';
  return undefined;
}
