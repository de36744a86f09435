import { getWithRetry } from '../../scripts/smoke';

/** A fetch that answers the statuses in turn (the last one from then on), counting its calls. */
function answering(...statuses: number[]) {
  let calls = 0;
  const get = (async () => {
    const status = statuses[Math.min(calls++, statuses.length - 1)];
    return new Response(status === 200 ? 'Hello world' : '{"message":"Internal server error"}', { status });
  }) as unknown as typeof fetch;
  return { get, calls: () => calls };
}

describe("smoke's wait for a stage right after a first deploy", () => {
  const clock = () => {
    const slept: number[] = [];
    return { slept, sleep: async (ms: number) => void slept.push(ms) };
  };

  it('asks again, after a pause that doubles, while the stage answers 403 or 5XX, saying each attempt, and returns the answer once it comes', async () => {
    const { slept, sleep } = clock();
    const said: string[] = [];
    const { get } = answering(403, 500, 502, 200);
    const reply = await getWithRetry(get, 'http://stage/hello', {}, 200, { limitMs: 90_000, sleep, say: (line) => said.push(line) });
    expect(reply).toEqual({ status: 200, text: 'Hello world', attempts: 4 });
    expect(slept).toEqual([1000, 2000, 4000]);
    expect(said).toEqual([
      'GET http://stage/hello: 403 (attempt 1); a stage this new may not reach its function yet (IAM takes a while to be seen everywhere): again in 1 s',
      'GET http://stage/hello: 500 (attempt 2); a stage this new may not reach its function yet (IAM takes a while to be seen everywhere): again in 2 s',
      'GET http://stage/hello: 502 (attempt 3); a stage this new may not reach its function yet (IAM takes a while to be seen everywhere): again in 4 s',
    ]);
  });

  it('fails with the last answer once the next pause would pass the limit: a real failure still fails', async () => {
    const { slept, sleep } = clock();
    const { get, calls } = answering(502);
    const reply = await getWithRetry(get, 'http://stage/hello', {}, 200, { limitMs: 10_000, sleep });
    expect(reply).toMatchObject({ status: 502, attempts: 4 });
    expect(slept).toEqual([1000, 2000, 4000]);
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
    expect(calls()).toBe(4);
  });

  it('answers at once what no propagation explains (a 404, the 400 a check expects), and never waits without a retry setting', async () => {
    const { slept, sleep } = clock();
    expect(await getWithRetry(answering(404).get, 'http://stage/x', {}, 200, { limitMs: 90_000, sleep })).toMatchObject({ status: 404, attempts: 1 });
    expect(await getWithRetry(answering(403).get, 'http://stage/x', {}, 403, { limitMs: 90_000, sleep })).toMatchObject({ status: 403, attempts: 1 });
    expect(await getWithRetry(answering(500, 200).get, 'http://stage/x', {}, 200)).toMatchObject({ status: 500, attempts: 1 });
    expect(slept).toEqual([]);
  });
});
