import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';

export interface UserRecord {
  userId: string;
  username: string;
  email: string;
  role: 'user' | 'admin';
  createdAt: Date;
}

const userColumns = ['users.userId', 'users.username', 'users.email', 'users.role', 'users.createdAt'] as const;

export const identityQueries = (db: Db) => ({
  insertUser: (u: { userId: string; username: string; email: string; passwordHash: string; role: 'user' | 'admin' }) =>
    db.insertInto('users').values(u).returning(userColumns).executeTakeFirstOrThrow() as Promise<UserRecord>,

  /** True when no account exists yet (the first account administers the instance). */
  isEmpty: async () => !(await db.selectFrom('users').select('userId').limit(1).executeTakeFirst()),

  findByLogin: (login: string) =>
    db
      .selectFrom('users')
      .select([...userColumns, 'users.passwordHash'])
      .where((eb) => eb.or([eb(sql`lower(username)`, '=', login.toLowerCase()), eb(sql`lower(email)`, '=', login.toLowerCase())]))
      .executeTakeFirst(),

  findUser: (userId: string) => db.selectFrom('users').select(userColumns).where('userId', '=', userId).executeTakeFirst() as Promise<UserRecord | undefined>,

  insertSession: (s: { tokenHash: string; userId: string; expiresAt: Date }) =>
    db.insertInto('sessions').values({ ...s, revokedAt: null }).execute(),

  findSessionUser: (tokenHash: string) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.userId', 'sessions.userId')
      .select([...userColumns, 'sessions.expiresAt'])
      .where('sessions.tokenHash', '=', tokenHash)
      .where('sessions.revokedAt', 'is', null)
      .where('sessions.expiresAt', '>', sql<Date>`now()`)
      .executeTakeFirst(),

  revokeSession: (tokenHash: string) =>
    db.updateTable('sessions').set({ revokedAt: sql`now()` }).where('tokenHash', '=', tokenHash).where('revokedAt', 'is', null).execute(),
});
