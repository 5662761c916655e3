/**
 * The production transports, tested on what `wrangler deploy` uploads: the Worker bundled by wrangler
 * (`wrangler deploy --dry-run --outdir`), loaded in workerd by Miniflare with wrangler.toml's
 * bindings, and both mounts' entrypoints called as the Containers platform calls them for a
 * container's outbound request: the Container class's `ContainerProxy`
 * (`ctx.exports.ContainerProxy({ props })`, which is a binding to the Worker's own entrypoint with
 * the container's props), and the `Gateway` entrypoint that ApiContainer registers with
 * `ctx.container.interceptOutboundHttp('gateway.internal', ctx.exports.Gateway({ props }))`.
 *
 * Reading `Backend.outboundByHost` in a test is not enough: a class field of that name shadows the
 * `@cloudflare/containers` static setter, which is what registers the handlers ContainerProxy
 * looks up, and the property then reads as set while the container's requests answer 520.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { transformer } from '../../shared/index.ts';
import { DEFAULT_GATEWAY_URL } from '../../shared/transport.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CONTAINER_ID = 'container-in-the-bundle';

// What `Container.applyOutboundInterception` passes ContainerProxy for Backend as wrangler.toml
// and worker/container.ts configure it: no internet, no allow or deny lists, no runtime overrides,
// so per-host interception of the static `outboundByHost` hosts only.
const PROPS = {
  className: 'Backend',
  containerId: CONTAINER_ID,
  enableInternet: false,
  interceptAll: false,
};

let outdir: string;
let mf: Miniflare;
type Entrypoint = { fetch: (request: Request) => Promise<Response> };
let proxy: Entrypoint;
let gatewayEntrypoint: Entrypoint;
let gatewayWithoutProps: Entrypoint;
const GATEWAY_PROPS = { containerId: 'do-container-in-the-bundle', instance: 'instance-0' };

const call = (url: string, procedure: string, input: unknown, through: Entrypoint = proxy) =>
  through.fetch(
    new Request(`${url}/${procedure}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 0: transformer.serialize(input) }),
    }),
  );

async function resultOf(response: Response): Promise<unknown> {
  const [item] = (await response.json()) as [
    { result: { data: Parameters<typeof transformer.deserialize>[0] } },
  ];
  return transformer.deserialize(item.result.data);
}

beforeAll(async () => {
  // Inside the repository: workerd refuses a module path that climbs out of Miniflare's root.
  await mkdir(path.join(root, '.wrangler/tmp'), { recursive: true });
  outdir = await mkdtemp(path.join(root, '.wrangler/tmp/bundle-test-'));
  await promisify(execFile)(
    process.execPath,
    [
      path.join(root, 'node_modules/wrangler/bin/wrangler.js'),
      'deploy',
      '--dry-run',
      '--containers-rollout=none',
      '--outdir',
      outdir,
    ],
    { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  // The bindings, vars and compatibility settings of wrangler.toml, as wrangler gives them to
  // Miniflare; the bundle is one ES module, so wrangler's rules for other module types do not apply.
  const { modulesRules: _, ...workerOptions } = unstable_getMiniflareWorkerOptions(
    path.join(root, 'wrangler.toml'),
  ).workerOptions;
  // wrangler describes the Worker in Miniflare's v4 options; Miniflare 5 converts them itself.
  mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      workers: [
        {
          ...workerOptions,
          name: 'binding-gateway',
          modules: true,
          scriptPath: path.join(outdir, 'index.js'),
          serviceBindings: {
            CONTAINER_OUTBOUND: { name: 'binding-gateway', entrypoint: 'ContainerProxy', props: PROPS },
            GATEWAY: { name: 'binding-gateway', entrypoint: 'Gateway', props: GATEWAY_PROPS },
            GATEWAY_WITHOUT_PROPS: { name: 'binding-gateway', entrypoint: 'Gateway' },
          },
        },
      ],
    }),
  );
  const bindings = await mf.getBindings<{
    CONTAINER_OUTBOUND: Entrypoint;
    GATEWAY: Entrypoint;
    GATEWAY_WITHOUT_PROPS: Entrypoint;
  }>();
  proxy = bindings.CONTAINER_OUTBOUND;
  gatewayEntrypoint = bindings.GATEWAY;
  gatewayWithoutProps = bindings.GATEWAY_WITHOUT_PROPS;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

describe("the deployed bundle's ContainerProxy (the Container-class mount)", () => {
  it('hands http://gateway.internal to the gateway, with the container as the caller', async () => {
    const response = await call(DEFAULT_GATEWAY_URL, 'gateway.info', undefined);
    expect(response.status).toBe(200);
    expect(await resultOf(response)).toMatchObject({ caller: { transport: 'outbound', id: CONTAINER_ID } });
  });

  it("reaches the Worker's D1 binding through it", async () => {
    const response = await call(DEFAULT_GATEWAY_URL, 'db.first', { sql: 'SELECT 40 + 2 AS answer' });
    expect(response.status).toBe(200);
    expect(await resultOf(response)).toEqual({ answer: 42 });
  });

  it.each([
    'http://example.com/',
    'http://gateway.internal.example.com/trpc/gateway.info',
    'http://internal/trpc/gateway.info',
  ])('refuses %s: the container has no internet, only the gateway', async (url) => {
    const response = await proxy.fetch(new Request(url));
    expect(response.status).toBe(520);
  });
});

describe("the deployed bundle's Gateway entrypoint (the Durable-Object mount)", () => {
  it('exports the Durable Object that registers it', async () => {
    // Miniflare binds wrangler.toml's API_CONTAINER to the bundle's ApiContainer export.
    const namespace = await mf.getDurableObjectNamespace('API_CONTAINER');
    expect(namespace.idFromName('instance-0').toString()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers gateway.info with the container of its props as the caller', async () => {
    const response = await call(DEFAULT_GATEWAY_URL, 'gateway.info', undefined, gatewayEntrypoint);
    expect(response.status).toBe(200);
    expect(await resultOf(response)).toMatchObject({
      caller: { transport: 'outbound', id: GATEWAY_PROPS.containerId },
    });
  });

  it("reaches the Worker's D1 binding through it", async () => {
    const response = await call(
      DEFAULT_GATEWAY_URL,
      'db.first',
      { sql: 'SELECT 40 + 2 AS answer' },
      gatewayEntrypoint,
    );
    expect(await resultOf(response)).toEqual({ answer: 42 });
  });

  it('refuses a call without props with FORBIDDEN', async () => {
    const response = await call(DEFAULT_GATEWAY_URL, 'gateway.info', undefined, gatewayWithoutProps);
    expect(response.status).toBe(403);
    const [item] = (await response.json()) as [{ error: { json: { data: { gatewayCode: string } } } }];
    expect(item.error.json.data.gatewayCode).toBe('FORBIDDEN');
  });
});
