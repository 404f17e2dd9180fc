// Copies the runtime assets tsc does not emit (SQL migrations of the modules and of the platform) from src/ to dist/.
import { cpSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const modulesDir = join(apiDir, 'src', 'modules');
for (const module of readdirSync(modulesDir)) {
  const from = join(modulesDir, module, 'migrations');
  if (existsSync(from)) cpSync(from, join(apiDir, 'dist', 'modules', module, 'migrations'), { recursive: true });
}
cpSync(join(apiDir, 'src', 'platform', 'migrations'), join(apiDir, 'dist', 'platform', 'migrations'), {
  recursive: true,
});
