import * as fs from 'fs';
import * as path from 'path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { BadRequestError, helloworld } from '../../lambda-src/index';
import { EVENTS_DIR } from '../helpers';

const event = (file: string): APIGatewayProxyEvent => JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, file), 'utf8'));
const expected: Record<string, string> = JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, 'expected.json'), 'utf8'));
const context = { awsRequestId: 'req-1' };

async function rest(overrides: Partial<APIGatewayProxyEvent>): Promise<APIGatewayProxyResult> {
  return (await helloworld({ ...event('rest-get-hello.json'), ...overrides }, context)) as APIGatewayProxyResult;
}

let logs: string[];
beforeEach(() => {
  delete process.env.GREETING;
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logs.push(line));
});
afterEach(() => jest.restoreAllMocks());

describe('direct invocation', () => {
  it('answers {"name": "David"} with "Hello David"', async () => {
    await expect(helloworld({ name: 'David' }, context)).resolves.toBe('Hello David');
  });

  it.each([[{}], [undefined], [{ name: '' }]])('answers %j with "Hello world"', async (payload) => {
    await expect(helloworld(payload, context)).resolves.toBe('Hello world');
  });

  it('greets with GREETING: "Bonjour David"', async () => {
    process.env.GREETING = 'Bonjour';
    await expect(helloworld({ name: 'David' }, context)).resolves.toBe('Bonjour David');
  });

  it.each([
    [{ name: 42 }, 'name must be a string, got number'],
    [{ name: 'x'.repeat(65) }, 'name is 65 characters long; use at most 64'],
    [{ name: 'Da\nvid' }, 'name contains control characters; send printable text only'],
    [{ name: ['David'] }, 'name must be a string, got array'],
    ['David', 'the payload must be a JSON object such as {"name": "David"}, got string'],
    [42, 'the payload must be a JSON object such as {"name": "David"}, got number'],
    [['David'], 'the payload must be a JSON object such as {"name": "David"}, got array'],
    [null, 'the payload must be a JSON object such as {"name": "David"}, got null'],
  ])('fails on %j with an error that names the problem', async (payload, message) => {
    const call = helloworld(payload as never, context);
    await expect(call).rejects.toThrow(BadRequestError);
    await expect(call).rejects.toThrow(message);
  });
});

describe('names as a person counts them', () => {
  it('takes a name of 64 emoji, counted as 64 characters, not 128 UTF-16 units', async () => {
    await expect(helloworld({ name: '😀'.repeat(64) }, context)).resolves.toBe(`Hello ${'😀'.repeat(64)}`);
  });
});

describe('API Gateway proxy events', () => {
  it.each(Object.keys(expected).filter((file) => file.startsWith('rest-')))('answers %s as expected', async (file) => {
    const result = (await helloworld(event(file), context)) as APIGatewayProxyResult;
    expect(`${result.statusCode} ${result.body}`.startsWith(expected[file])).toBe(true);
    if (result.statusCode === 200) expect(`${result.statusCode} ${result.body}`).toBe(expected[file]);
  });

  it('replies with plain text that is never sniffed as markup', async () => {
    const result = await rest({ queryStringParameters: { name: '<script>alert(1)</script>' } });
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: 'Hello <script>alert(1)</script>',
    });
  });

  it('prefers the query string to the body, and the body to the path', async () => {
    const both = { body: '{"name": "Body"}', pathParameters: { proxy: 'hello/Path' } };
    expect((await rest({ ...both, queryStringParameters: { name: 'Query' } })).body).toBe('Hello Query');
    expect((await rest(both)).body).toBe('Hello Body');
    expect((await rest({ pathParameters: { proxy: 'hello/Path' } })).body).toBe('Hello Path');
  });

  it('decodes a percent-encoded name in the path', async () => {
    expect((await rest({ pathParameters: { proxy: 'hello/Andr%C3%A9' } })).body).toBe('Hello André');
  });

  it('greets with GREETING: "200 Bonjour world"', async () => {
    process.env.GREETING = 'Bonjour';
    const result = await rest({});
    expect(`${result.statusCode} ${result.body}`).toBe('200 Bonjour world');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const result = await rest({ httpMethod: 'HEAD' });
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('');
  });

  it.each(['DELETE', 'PUT', 'PATCH', 'OPTIONS'])('answers %s with 405 and an Allow header', async (method) => {
    const result = await rest({ httpMethod: method });
    expect(result.statusCode).toBe(405);
    expect(result.headers).toMatchObject({ allow: 'GET, HEAD, POST', 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(result.body)).toEqual({ message: `method ${method} is not allowed; use GET, HEAD, POST` });
  });

  it.each([
    [{ httpMethod: 'POST', body: '{"name": ' }, 'body is not valid JSON; send {"name": "<your name>"}'],
    [{ httpMethod: 'POST', body: '["David"]' }, 'body must be a JSON object such as {"name": "<your name>"}, got array'],
    [{ httpMethod: 'POST', body: '{"name": ["David"]}' }, 'body field "name" must be a string, got array'],
    [{ queryStringParameters: { name: '😀'.repeat(65) } }, 'query parameter "name" is 65 characters long; use at most 64'],
    [{ httpMethod: 'POST', body: '{"name": 7}' }, 'body field "name" must be a string, got number'],
    [{ httpMethod: 'POST', body: '{"name": {"first": "David"}}' }, 'body field "name" must be a string, got object'],
    [{ queryStringParameters: { name: 'x'.repeat(65) } }, 'query parameter "name" is 65 characters long; use at most 64'],
    [{ queryStringParameters: { name: 'a\u0007b' } }, 'query parameter "name" contains control characters; send printable text only'],
    [{ pathParameters: { proxy: 'hello/%E0%A4%A' } }, 'path segment is not valid percent-encoding'],
    [{ pathParameters: { proxy: 'hello/%ZZ' } }, 'path segment is not valid percent-encoding'],
    [{ pathParameters: { proxy: 'hello/a%0Ab' } }, 'path segment contains control characters; send printable text only'],
    // Malformed events (API Gateway sends strings here): 400, not a TypeError and a 502.
    [{ pathParameters: { proxy: 42 } }, 'malformed proxy event: pathParameters must be null or a map of strings'],
    [{ pathParameters: 'hello/David' }, 'malformed proxy event: pathParameters must be null or a map of strings'],
    [{ queryStringParameters: { name: ['David'] } }, 'malformed proxy event: queryStringParameters must be null or a map of strings'],
    [{ httpMethod: 'POST', body: { name: 'David' } }, 'malformed proxy event: body must be a string or null, got object'],
    [{ httpMethod: 'POST', body: 7 }, 'malformed proxy event: body must be a string or null, got number'],
  ])('answers bad input %j with 400 and a JSON error naming the problem', async (overrides, message) => {
    const result = await rest(overrides as Partial<APIGatewayProxyEvent>);
    expect(result.statusCode).toBe(400);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(result.body)).toEqual({ message });
  });
});

describe('logging', () => {
  it('writes one JSON line per invocation with request id, route and the name length', async () => {
    await helloworld(event('rest-get-hello-name.json'), context);
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0])).toEqual({
      requestId: 'req-1',
      kind: 'rest',
      method: 'GET',
      route: '/{proxy+}',
      status: 200,
      nameLength: 5,
    });
  });

  it('never logs the name, the body, the Authorization header or cookies', async () => {
    await rest({
      httpMethod: 'POST',
      body: '{"name": "SecretName"}',
      headers: { Authorization: 'Bearer s3cr3t', Cookie: 'session=abc' },
      path: '/hello',
    });
    await helloworld({ name: 'SecretName' }, context);
    expect(logs).toHaveLength(2);
    for (const line of logs) {
      expect(line).not.toMatch(/SecretName|s3cr3t|session=abc/);
    }
  });
});
