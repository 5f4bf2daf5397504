import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SERVICES } from '@ai-ninja/contracts';
import { skipUnlessInstalled } from '../test/http-client.js';
import { composeEnvironment, kubernetesEnvironment, localEnvironment } from './gateway-environments.js';
import { findNginx, NGINX_INSTALL_HINT, nginxArguments, writeGatewayPrefix } from './nginx-gateway.js';
import { gatewayVariables, substitute, TEMPLATE_PATH, type GatewayEnvironment } from './nginx-render.js';
import { templateVariables, upstreamVariable } from './nginx-template.js';

const template = readFileSync(TEMPLATE_PATH, 'utf8');
const envsubst = ['/usr/bin/envsubst', '/bin/envsubst'].find((path) => spawnSync(path, ['--version']).status === 0);
const nginx = findNginx();

/** The body of `upstream NAME { … }` in the template. */
function upstreamBlock(name: string): string | undefined {
  return new RegExp(`\\n\\s*upstream ${name} \\{([\\s\\S]*?)\\n\\s*\\}\\n`).exec(template)?.[1];
}

/** The body of `location PATH { … }` in the template. */
function locationBlock(path: string): string | undefined {
  return new RegExp(`\\n\\s*location ${path.replaceAll('/', '\\/')} \\{([\\s\\S]*?)\\n\\s*\\}\\n`).exec(template)?.[1];
}

describe('the nginx template', () => {
  it('has one upstream per routed service with the catalog’s strategy, failure settings and keep-alive', () => {
    for (const service of SERVICES) {
      const block = upstreamBlock(service.name);
      if (service.gatewayRoutes.length === 0) {
        assert.equal(block, undefined, `${service.name} is internal: no upstream`);
        continue;
      }
      assert.ok(block, `upstream ${service.name}`);
      const strategies = ['least_conn', 'ip_hash', 'hash', 'random'].filter((s) => new RegExp(`^\\s*${s}\\b`, 'm').test(block));
      assert.deepEqual(strategies, service.upstream === 'round_robin' ? [] : [service.upstream], service.name);
      assert.match(block, new RegExp(`server \\$\\{${upstreamVariable(service)}\\} max_fails=3 fail_timeout=2s;`));
      assert.match(block, /keepalive 16;/);
      assert.match(block, new RegExp(`zone ${service.name} `));
    }
  });

  it('has one location per gateway route: the catalog’s rate limit, and the rewrite to the service’s path', () => {
    for (const service of SERVICES) {
      for (const route of service.gatewayRoutes) {
        const block = locationBlock(route.path);
        assert.ok(block, `location ${route.path}`);
        const { zone, burst, nodelay } = route.rateLimit;
        assert.match(block, new RegExp(`limit_req zone=${zone} burst=${burst}${nodelay ? ' nodelay' : ''};`), route.path);
        assert.match(block, new RegExp(`proxy_pass http://${service.name}${route.upstreamPath};`), route.path);
        assert.match(block, /proxy_set_header X-Request-ID \$gateway_request_id;/);
        if (route.websocket) assert.match(block, /proxy_set_header Connection \$connection_upgrade;/);
        else assert.match(block, /proxy_set_header Connection "";/);
        if (route.streamedBodyLimit) {
          assert.match(block, new RegExp(`client_max_body_size ${route.streamedBodyLimit};`));
          assert.match(block, /proxy_request_buffering off;/);
        } else assert.doesNotMatch(block, /client_max_body_size/);
      }
    }
    const routes = [...template.matchAll(/\n\s*location (\/\S*) \{\n\s*limit_req/g)].map((m) => m[1]);
    assert.deepEqual(routes.sort(), SERVICES.flatMap((s) => s.gatewayRoutes.map((r) => r.path)).sort(), 'no route outside the catalog');
  });

  it('answers 429 for rate limits and retries only failed connections, at most once more', () => {
    assert.match(template, /limit_req_status 429;/);
    assert.match(template, /proxy_next_upstream error timeout;/);
    assert.doesNotMatch(template, /proxy_next_upstream[^;]*(http_5|non_idempotent)/);
    assert.match(template, /proxy_next_upstream_tries 2;/);
    assert.match(template, /map \$http_upgrade \$connection_upgrade \{\s*default upgrade;\s*'' '';\s*\}/);
  });

  it('substitutes only the listed variables, leaving nginx’s own untouched, and repeats a line per listed server', () => {
    const text = 'set $host ${A}; $A $Ab ${B} $request_id\n    server ${S} max_fails=3;';
    assert.equal(
      substitute(text, { A: 'x', S: '10.0.0.1:1, 10.0.0.2:2' }, ['A', 'S']),
      'set $host x; x $Ab ${B} $request_id\n    server 10.0.0.1:1 max_fails=3;\n    server 10.0.0.2:2 max_fails=3;',
    );
    assert.throws(() => substitute(text, { A: 'x' }, ['A', 'S']), /No value for S/);
  });

  it('renders exactly as envsubst with the explicit variable list does (the official nginx image’s way)', { skip: skipUnlessInstalled('envsubst', Boolean(envsubst), 'sudo apt-get install gettext-base') }, () => {
    for (const environment of [composeEnvironment(), kubernetesEnvironment()]) {
      const values = gatewayVariables(environment);
      const list = templateVariables()
        .map((name) => `$${name}`)
        .join(' ');
      const expected = execFileSync(envsubst!, [list], { input: template, env: { PATH: process.env.PATH, ...values } }).toString();
      assert.equal(substitute(template, values, templateVariables()), expected);
    }
  });

  it('renders configurations real nginx accepts: local, and with TLS and an http snippet', { skip: skipUnlessInstalled('nginx', Boolean(nginx), NGINX_INSTALL_HINT) }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ai-ninja-nginx-t-'));
    try {
      // nginx -t opens the certificate files: any certificate will do, so the test makes one.
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
      const kubernetes = kubernetesEnvironment();
      const environments: GatewayEnvironment[] = [
        localEnvironment({}, 18080),
        // kubernetes' TLS and resolver snippets with addresses that exist here: kube-dns does not, and `resolve`
        // needs nginx ≥ 1.27.3 (the gateway image), not Debian's 1.22.
        {
          ...kubernetes,
          // A file: nginx cannot open this test's stdout (a socket) as /dev/stdout.
          accessLog: 'access.log',
          upstreams: (s) => [`127.0.0.1:${s.port}`],
          tls: { port: 18443, certificate: join(dir, 'c.pem'), certificateKey: join(dir, 'k.pem') },
          httpSnippets: { 'resolver.conf': kubernetes.httpSnippets!['resolver.conf']!.replace('kube-dns.kube-system.svc.cluster.local', '127.0.0.53') },
        },
      ];
      for (const environment of environments) {
        const prefix = writeGatewayPrefix(environment, mkdtempSync(join(dir, 'prefix-')));
        const test = spawnSync(nginx!, [...nginxArguments(prefix).slice(0, -2), '-t'], { encoding: 'utf8' });
        assert.equal(test.status, 0, test.stderr);
        assert.match(test.stderr, /test is successful/);
        assert.doesNotMatch(test.stderr, /\[warn\]/, 'no warnings');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
