import { describe, expect, it } from 'vitest';
import { createHttpHandler } from '#shared/http/handler';
import { platformContract } from '#shared/platform/contract';

describe('createHttpHandler', () => {
  it('refuses a function whose implementation misses a route of the route table', () => {
    const incomplete = { health: async () => ({}), openapi: async () => ({}) } as never;

    expect(() => createHttpHandler('platform', platformContract, incomplete)).toThrow(
      /docs of platform has no implementation/,
    );
  });

  it('refuses an operation that is not in the route table', () => {
    const extra = {
      health: async () => ({}),
      openapi: async () => ({}),
      docs: async () => ({}),
      secret: async () => ({}),
    } as never;

    expect(() => createHttpHandler('platform', platformContract, extra)).toThrow(
      /secret of platform are not in the route table/,
    );
  });
});

describe('createHttpHandler for a function with staff routes', () => {
  it('refuses to build without an authentication step', async () => {
    const { patientsContract } = await import('#shared/patients/contract');

    expect(() => createHttpHandler('patients', patientsContract, {} as never)).toThrow(/pass an authenticate function/);
  });
});
