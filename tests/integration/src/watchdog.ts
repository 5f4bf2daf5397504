/**
 * A watchdog for processes that would outlive the test process if it died without running its cleanup (SIGKILL, a
 * test runner timeout): nginx, redis-server, a private PostgreSQL. The services need none, since they stop by
 * themselves when their parent goes away. The watchdog is a tiny child process holding an IPC channel: when the
 * channel closes, it sends SIGTERM to every pid still registered, then exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = `
const pids = new Set();
process.on('message', (m) => { if (m.add) pids.add(m.add); if (m.remove) pids.delete(m.remove); });
process.on('disconnect', () => { for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch {} } process.exit(0); });
`;

let watchdog: ChildProcess | undefined;

function instance(): ChildProcess {
  if (!watchdog || watchdog.exitCode !== null) {
    watchdog = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    // Neither the child nor its channel keeps this process alive; the channel closes when this process ends.
    watchdog.unref();
    (watchdog.channel as { unref?: () => void } | undefined)?.unref?.();
  }
  return watchdog;
}

/** Has `pid` terminated if this process dies before calling {@link release}. */
export function guard(pid: number | undefined): void {
  if (pid) instance().send({ add: pid });
}

/** The process ended normally: forget it (its pid may be reused). */
export function release(pid: number | undefined): void {
  if (pid && watchdog?.connected) watchdog.send({ remove: pid });
}
