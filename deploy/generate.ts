/**
 * `npm run generate -w @ai-ninja/deploy`: rewrites the nginx template, the Kubernetes manifests and
 * docker-compose.yml from the service catalog, and removes generated files that no longer have a source.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayTemplate } from './nginx/nginx-template.js';
import { GENERATED_DIRECTORIES, generatedFiles } from './generated-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The kubernetes gateway config is rendered from the template file: write the template first.
writeFileSync(join(root, 'deploy/nginx/nginx.conf.template'), gatewayTemplate());
const files = generatedFiles();
for (const [path, text] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
for (const dir of GENERATED_DIRECTORIES) {
  for (const file of listFiles(join(root, dir))) {
    const path = relative(root, file);
    if (!files.has(path)) {
      rmSync(file);
      console.log(`removed ${path}`);
    }
  }
}
console.log(`wrote ${files.size} files from the catalog`);
