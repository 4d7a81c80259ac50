import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientSchema, schemaFile } from '../../scripts/generate-client';

describe('the typed client', () => {
  it('is generated from the current OpenAPI document (run npm run generate:client after changing an operation)', async () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(await clientSchema());
  });
});
