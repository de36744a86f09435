// Registers cdktf's matchers (toHaveResourceWithProperties, ...) and, for tsc, their types.
import 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';
import { removeTempDirs } from './helpers';
import { killTerraform } from '../scripts/lib/terraform-run';

Testing.setupJest();
// Pass or fail, a test file leaves nothing running (a timed-out case's terraform, providers or
// command as typed: each is a process group) and no temporary folder behind.
afterAll(async () => {
  await killTerraform();
  removeTempDirs();
});
