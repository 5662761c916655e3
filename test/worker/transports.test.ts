import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { transformer } from '../../shared/index.ts';
import { DEFAULT_GATEWAY_URL, GATEWAY_HOST } from '../../shared/transport.ts';
import { Backend } from '../../worker/container.ts';

const infoRequest = (url: string) =>
  new Request(`${url}/gateway.info?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 0: transformer.serialize(undefined) }),
  });

describe('the outbound interception (the production transport)', () => {
  it("registers the handler through @cloudflare/containers' setter, not as a field of its own", () => {
    // An own `outboundByHost` shadows the setter, and ContainerProxy then finds no handler (520).
    // test/e2e/bundle.test.ts proves the registration on the deployed bundle through ContainerProxy.
    expect(Object.hasOwn(Backend, 'outboundByHost')).toBe(false);
    expect(Backend.outboundByHost?.[GATEWAY_HOST]).toBeTypeOf('function');
  });

  it('hands gateway.internal to the router with the container id as the caller', async () => {
    const handler = Backend.outboundByHost?.[GATEWAY_HOST];
    if (!handler) return expect.unreachable('Backend has no outbound handler for the gateway host');
    // As ContainerProxy calls it: the request, the Worker's env, and the container's identity.
    const response = await handler(infoRequest(DEFAULT_GATEWAY_URL), env, {
      containerId: 'container-abc',
      className: 'Backend',
    });
    expect(response.status).toBe(200);
    const [item] = (await response.json()) as [
      { result: { data: Parameters<typeof transformer.deserialize>[0] } },
    ];
    expect(transformer.deserialize(item.result.data)).toMatchObject({
      caller: { transport: 'outbound', id: 'container-abc' },
    });
  });
});

describe('the public fetch handler', () => {
  it.each([
    '/trpc/gateway.info',
    '/internal/db/query',
    '/internal/kv/get',
    '/__gateway/trpc/gateway.info',
    '/',
  ])('answers %s with 404: no public path reaches the gateway', async (path) => {
    const response = await SELF.fetch(infoRequest(`http://example.com${path.replace('/gateway.info', '')}`));
    expect(response.status).toBe(404);
  });
});

describe('/api/* without a container', () => {
  it('answers 503 with a clear message when the container cannot be started', async () => {
    // Containers are disabled here (no Docker), as when a Container fails to start.
    const response = await SELF.fetch('http://example.com/api/users');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'the API container is not reachable; try again shortly' });
  });
});
