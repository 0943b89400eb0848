// For this repository's own test run (npm test, tests/clients/test_js_helper.py): the tests import
// '@aws-sdk/client-s3' as any user would, but the repository installs it under tests/clients/js
// (tests/clients/install.sh), not in clients/js. A bare import that does not resolve from the
// importing file is tried again from NODE_PATH's folders and from tests/clients/js.
// Usage: node --import ./testing/register.mjs --test test/
import { register } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dirs = [
  ...(process.env.NODE_PATH || '').split(delimiter).filter(Boolean),
  join(here, '..', '..', '..', 'tests', 'clients', 'js', 'node_modules'),
];
register('./hooks.mjs', import.meta.url, { data: { dirs } });
