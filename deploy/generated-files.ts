/**
 * Every file deploy/ writes from the service catalog, by path from the repository root. `generate.ts` writes them;
 * a test regenerates them and fails on any difference, so a committed file never drifts from the catalog.
 */
import { composeFile, postgresInitSql } from './compose/compose-file.js';
import { kubernetesFiles } from './k8s/k8s-manifests.js';
import { gatewayTemplate } from './nginx/nginx-template.js';

/** Directories whose every file is generated: a file there that the generator does not write is stale. */
export const GENERATED_DIRECTORIES = ['deploy/k8s/base', 'deploy/k8s/overlays'] as const;

export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>([
    ['deploy/nginx/nginx.conf.template', gatewayTemplate()],
    ['docker-compose.yml', composeFile()],
    ['deploy/compose/postgres-init.sql', postgresInitSql()],
  ]);
  // The kubernetes gateway configuration is rendered from the committed template, so it is written after it.
  for (const [path, text] of kubernetesFiles()) files.set(`deploy/k8s/${path}`, text);
  return files;
}
