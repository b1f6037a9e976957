import { Type } from '@sinclair/typebox';

export const Username = Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: '3–32 letters, digits, _ . -' });
export const Password = Type.String({ minLength: 8, maxLength: 200, description: 'At least 8 characters' });

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  email: Type.Optional(Type.String()),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const SignupBody = Type.Object(
  { username: Username, email: Type.String({ format: 'email', maxLength: 254 }), password: Password },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 254, description: 'Username or email' }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const SessionReply = Type.Object({ user: User, token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) });
