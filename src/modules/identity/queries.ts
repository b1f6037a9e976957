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

// Any constant works; it only has to be the same in every Kinema process.
const FIRST_ACCOUNT_LOCK_KEY = 7_461_726_201;

type NewUser = { userId: string; username: string; email: string; passwordHash: string };

export const identityQueries = (db: Db) => ({
  insertUser: (u: NewUser & { role: 'user' | 'admin' }) =>
    db.insertInto('users').values(u).returning(userColumns).executeTakeFirstOrThrow() as Promise<UserRecord>,

  /**
   * Inserts an account that administers the instance when it is the first one, atomically: two
   * sign-ups racing on an empty instance both saw "no users" when the check and the insert were
   * separate statements, and both became admin. Under the transaction-scoped advisory lock the
   * inserts run one at a time, and each INSERT's snapshot, taken after the lock, sees the rows
   * committed by the one before.
   */
  insertUserFirstIsAdmin: (u: NewUser) =>
    db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${FIRST_ACCOUNT_LOCK_KEY})`.execute(trx);
      return (await trx
        .insertInto('users')
        .values({ ...u, role: sql<'user' | 'admin'>`CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'user' ELSE 'admin' END` })
        .returning(userColumns)
        .executeTakeFirstOrThrow()) as UserRecord;
    }),

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
