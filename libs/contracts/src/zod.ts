import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod 4 gives `.openapi()` only to schemas made after this call, so it runs here, before any contract schema
// is defined. Every schema of the contracts is built with this `z`.
extendZodWithOpenApi(z);

export { z };
