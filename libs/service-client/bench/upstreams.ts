// Test upstreams for the client benchmark, in their own process so they do not share the client's event loop.
// argv[2]: JSON list of { delayMs, status } — one HTTP server per entry on a free port. Prints the ports as one
// JSON line on stdout. Each server answers `GET /__hits` with the number of other requests it has seen.
import { createServer } from 'node:http';

const DECISION = JSON.stringify({ decision: 'unknown', confidence: 0.5, reasons: ['benchmark'], spamScore: 0.1 });
const FAILURE = JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'failing on purpose' } });
const specs = JSON.parse(process.argv[2] ?? '[]') as { delayMs: number; status: number }[];

const ports = await Promise.all(
  specs.map(
    (spec) =>
      new Promise<number>((resolve) => {
        let hits = 0;
        const server = createServer((req, res) => {
          if (req.url === '/__hits') {
            res.end(String(hits));
            return;
          }
          hits += 1;
          const answer = () => res.writeHead(spec.status, { 'content-type': 'application/json' }).end(spec.status === 200 ? DECISION : FAILURE);
          if (spec.delayMs > 0) setTimeout(answer, spec.delayMs);
          else answer();
        });
        server.keepAliveTimeout = 65_000;
        server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
      }),
  ),
);
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.on('disconnect', () => process.exit(0));
