import { frontRefusal, hostAllowed, normalizedPath, reachesInternalRoutes } from '../../scripts/emulator/front-guard';

const PORT = 4566;
const headers = (more: Record<string, string> = {}) => ({ host: `127.0.0.1:${PORT}`, ...more });

describe("the local AWS's front: who may use it", () => {
  it.each([
    '/_emulator/lambda/function?name=x',
    '/%5Femulator/lambda/function',
    '/%255Femulator/lambda/function',
    '//_emulator/x',
    '/./_emulator/x',
    '/a/../_emulator/x',
    '/%2E%2E/_emulator/x',
    '/_EMULATOR/x',
    '/_Emulator',
    '/\\_emulator/x',
  ])('finds the internal routes in %s', (target) => {
    expect(reachesInternalRoutes(target)).toBe(true);
    expect(frontRefusal({ url: target, headers: headers() }, PORT, false)).toEqual({ status: 404, message: 'not an AWS API' });
  });

  it('leaves AWS API paths and stage paths that only look alike alone', () => {
    for (const target of ['/2015-03-31/functions', '/_emulatorx/y', '/restapis/a/test/_user_request_/_emulator', '/bucket/_emulator/key']) {
      expect([target, reachesInternalRoutes(target)]).toEqual([target, false]);
    }
    expect(normalizedPath('/a//b/./c/../d?x=/_emulator')).toBe('/a/b/d');
  });

  it('refuses an absolute-form or asterisk request target', () => {
    for (const url of [`http://127.0.0.1:${PORT}/_emulator/x`, `http://127.0.0.1:${PORT}/2015-03-31/functions`, '*']) {
      expect(frontRefusal({ url, headers: headers() }, PORT, false)).toMatchObject({ status: 400 });
    }
  });

  it('answers its own loopback address on its port and execute-api hosts, and refuses any other Host (DNS rebinding)', () => {
    for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `[::1]:${PORT}`, 'abc123.execute-api.eu-central-1.amazonaws.com', `abc123.execute-api.eu-central-1.amazonaws.com:${PORT}`]) {
      expect([host, hostAllowed(host, PORT)]).toEqual([host, true]);
    }
    for (const host of ['evil.example', `evil.example:${PORT}`, `127.0.0.1:${PORT + 1}`, '127.0.0.1', `localhost.evil.example:${PORT}`, `127.0.0.1.nip.io:${PORT}`, '']) {
      expect([host, hostAllowed(host, PORT)]).toEqual([host, false]);
    }
    expect(frontRefusal({ url: '/2015-03-31/functions', headers: { host: `evil.example:${PORT}` } }, PORT, false)).toEqual({
      status: 421,
      message: `the local AWS answers to 127.0.0.1:${PORT} (or localhost, [::1]) and execute-api hosts only, not "evil.example:${PORT}"`,
    });
  });

  it("refuses a browser's request to an AWS API, and lets it reach a stage's URL as on AWS", () => {
    for (const browser of [{ origin: 'https://evil.example' }, { 'sec-fetch-mode': 'no-cors' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
      expect(frontRefusal({ url: '/2015-03-31/functions', headers: headers(browser) }, PORT, false)).toMatchObject({ status: 403 });
      expect(frontRefusal({ url: '/restapis/a1/test/_user_request_/hello', headers: headers(browser) }, PORT, true)).toBeUndefined();
    }
    expect(frontRefusal({ url: '/2015-03-31/functions', headers: headers() }, PORT, false)).toBeUndefined();
  });
});
