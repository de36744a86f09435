import * as path from 'path';

/** The checkout the scripts belong to: environments/, lambda-src/, cdktf.out/, plans/ are here. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
