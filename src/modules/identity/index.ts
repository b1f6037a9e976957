// Identity: accounts, password sign-in, revocable session tokens and roles.
// Other modules see a caller only as `req.principal` (see platform/http/auth.ts).
export { createIdentityService, type AccountPolicy, type IdentityService, type Principal } from './service.js';
export { registerAuthHook, registerIdentityRoutes } from './routes.js';
export { createSessionCookie, HTTPS_SESSION_COOKIE, type SessionCookie } from './session-cookie.js';
export { describeAccountInputProblem } from './account-input.js';
