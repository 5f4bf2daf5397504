/**
 * The gateway of `npm start`: nginx on port 8080 in front of the services on this machine, in the foreground.
 * Stops nginx on SIGTERM, SIGINT, or when the process that started it goes away (its IPC channel closes).
 * Without nginx it says how to get it and exits 0: the services run without a gateway.
 */
import { GATEWAY_PORT } from '@ai-ninja/contracts';
import { localEnvironment } from './gateway-environments.js';
import { findNginx, NGINX_INSTALL_HINT, startGateway, type RunningGateway } from './nginx-gateway.js';

const nginx = findNginx();
if (!nginx) {
  console.log(`nginx is not installed, so there is no gateway on :${GATEWAY_PORT}. Get it with: ${NGINX_INSTALL_HINT}`);
  process.exit(0);
}

const port = Number(process.env.GATEWAY_PORT ?? GATEWAY_PORT);
let gateway: RunningGateway | undefined;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  const code = gateway ? await gateway.stop() : 0;
  process.exit(code === 0 || code === 'SIGTERM' ? 0 : 1);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());

try {
  gateway = await startGateway({ ...localEnvironment(process.env, port), nginx, onLine: (line, stream) => (stream === 'stderr' ? console.error(line) : console.log(line)) });
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
process.send?.({ ready: true, url: `http://localhost:${port}` });
const code = await gateway.exited;
if (!stopping) {
  console.error(`nginx exited (${code})`);
  process.exit(1);
}
