import * as fs from 'fs';
import * as path from 'path';
import { mirrorCliConfigFile, writeMirrorCliConfig } from '../../scripts/air-gapped/provider-mirror';
import { PROJECT_ROOT, makeTempDir } from '../helpers';

describe("the provider mirror's CLI config", () => {
  it("lives in the checkout's .build, not in a temp folder", () => {
    expect(mirrorCliConfigFile()).toBe(path.join(PROJECT_ROOT, '.build', 'terraform-mirror.rc'));
    expect(mirrorCliConfigFile('/work/app')).toBe('/work/app/.build/terraform-mirror.rc');
  });

  it('is one file each run rewrites whole for the mirror it names, with no partial copy left beside it', () => {
    const project = makeTempDir('mirror-project-');
    const file = mirrorCliConfigFile(project);
    expect(writeMirrorCliConfig('/opt/tf-plugins', file)).toBe(file);
    expect(writeMirrorCliConfig('/srv/mirror "b"', file)).toBe(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('provider_installation {\n  filesystem_mirror {\n    path = "/srv/mirror \\"b\\""\n  }\n}\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['terraform-mirror.rc']);
  });
});
