/**
 * The last step of `npm run build` (after `tsc -p tsconfig.build.json`): puts the bundled
 * greeting handler at dist/handler/index.js, where the package's greetingHandlerFile() finds it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildHandlerBundle } from '../src/bundling/handler-bundle';
import { PROJECT_ROOT } from './lib/project-root';

const target = path.join(PROJECT_ROOT, 'dist', 'handler', 'index.js');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(buildHandlerBundle(PROJECT_ROOT).file, target);
