/**
 * What the integration tests need on the machine besides Node: nginx, redis-server, PostgreSQL's server binaries
 * (for the private instances) and the shared PostgreSQL and Redis. Under CI (`CI` set) nothing is skipped: a missing
 * tool fails the run. Elsewhere a suite whose tool is missing is skipped, saying what to install.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findNginx, NGINX_INSTALL_HINT } from '@ai-ninja/deploy/gateway';

const onPath = (program: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const TOOLS = {
  nginx: { present: () => Boolean(findNginx()), hint: NGINX_INSTALL_HINT },
  'redis-server': { present: () => onPath('redis-server'), hint: 'sudo apt-get install redis-server' },
  'PostgreSQL server binaries': {
    present: () => {
      try {
        accessSync(join(PG_BIN, 'pg_ctl'), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    hint: `sudo apt-get install postgresql (or set PG_BIN; looked in ${PG_BIN})`,
  },
} as const;

/** `skip` option of a suite that needs these tools: false when all are there or under CI, else why it is skipped. */
export function skipUnlessInstalled(...tools: Array<keyof typeof TOOLS>): string | false {
  if (process.env.CI) return false;
  const missing = tools.filter((tool) => !TOOLS[tool].present());
  if (missing.length === 0) return false;
  return `${missing.map((tool) => `${tool} is not installed (${TOOLS[tool].hint})`).join('; ')}: outside CI this suite is skipped, under CI it runs`;
}
