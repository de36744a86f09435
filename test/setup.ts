// Registers cdktf's matchers (toHaveResourceWithProperties, ...) and, for tsc, their types.
import 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';
import { removeTempDirs } from './helpers';

Testing.setupJest();
afterAll(removeTempDirs);
