import { parseRollbackArgs, versionBefore } from '../../scripts/rollback';

describe('npm run rollback', () => {
  it('takes one tier and an optional version', () => {
    expect(parseRollbackArgs(['standard'])).toEqual({ tier: 'standard', to: undefined });
    expect(parseRollbackArgs(['premium', '--to', '41'])).toEqual({ tier: 'premium', to: '41' });
  });

  it.each([
    [[], 'rollback takes one tier, got none; use npm run rollback -- <standard|premium> [--to <version>]'],
    [['standard', 'premium'], 'rollback takes one tier, got standard premium; use npm run rollback'],
    [['gold'], '"gold" is not a tier; use npm run rollback -- <standard|premium> [--to <version>]'],
    [['standard', '--to', '$LATEST'], '--to "$LATEST" is not a published version number (such as 41)'],
    [['standard', '--to', '0'], '--to "0" is not a published version number'],
  ])('fails on %j, naming the argument and the usage', (argv, message) => {
    expect(() => parseRollbackArgs(argv)).toThrow(message);
  });

  it('rolls back to the greatest version below the one live serves, however the versions are ordered, with none below the first', () => {
    expect(versionBefore(['1', '2', '10', '9', '11'], '11')).toBe('10');
    expect(versionBefore(['3', '7', '5'], '7')).toBe('5');
    expect(versionBefore(['1', '2', '3'], '2')).toBe('1');
    expect(versionBefore(['1'], '1')).toBeUndefined();
  });
});
