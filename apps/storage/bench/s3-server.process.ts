/**
 * s3rver in a process of its own, for the memory benchmark: its memory must not count as storage's. Prints one line
 * of JSON (the env that points storage at it) and stops when its standard input closes.
 */
import { startS3Server } from '../test/support/s3-server.js';

const server = await startS3Server();
process.stdout.write(`${JSON.stringify(server.env)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
