/**
 * The smallest SQL surface shared by both engines: what pg-boss and the migration runner need.
 * `query` with no `params` may hold several statements (simple query protocol).
 */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}
