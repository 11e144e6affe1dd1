/** The route schema helpers live in core (src/core/route-schema.ts) so adapters' routes can use them too. */
export * from '../core/route-schema.js';
