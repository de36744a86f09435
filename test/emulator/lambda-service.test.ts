import * as fs from 'fs';
import { LambdaService } from '../../scripts/emulator/lambda-service';
import { makeTempDir } from '../helpers';

describe("the local AWS's Lambda service", () => {
  afterEach(() => jest.restoreAllMocks());

  it('makes no code folder until a function runs, so an emulator that ran none leaves nothing behind', async () => {
    const tmpDir = makeTempDir('lambda-service-');
    // The module object itself: the service reads fs.mkdtempSync through it at each call.
    const made = jest.spyOn(require('fs') as typeof fs, 'mkdtempSync');
    const service = new LambdaService({ motoEndpoint: 'http://127.0.0.1:9', tmpDir });
    await service.close();
    expect(made).not.toHaveBeenCalled();
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });

  it('answers an invoke of a function moto does not know without making a code folder', async () => {
    const tmpDir = makeTempDir('lambda-service-');
    const service = new LambdaService({ motoEndpoint: 'http://127.0.0.1:9', tmpDir });
    const answer = await service.invoke({ region: 'eu-central-1', functionName: 'missing', payload: Buffer.from('{}') } as never).catch((error: Error) => error);
    expect(answer).toBeDefined();
    expect(fs.readdirSync(tmpDir)).toEqual([]);
    await service.close();
  });
});
