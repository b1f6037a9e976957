/**
 * The baseline of bench/http: a bare Fastify 5 hello-world (no hooks, no schema), the ceiling any
 * Fastify route on this machine can reach. Prints its URL, then serves until killed.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, pid: process.pid }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
