import * as z from 'zod';
import type { ContractFor } from '#shared/http/contract';

export const platformContract = {
  health: { response: z.object({ status: z.literal('ok'), stage: z.string(), time: z.iso.datetime() }) },
  openapi: { response: z.record(z.string(), z.unknown()).describe('This document') },
  docs: { produces: 'text/html; charset=utf-8' },
} satisfies ContractFor<'platform'>;
