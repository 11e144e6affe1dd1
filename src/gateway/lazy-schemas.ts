/**
 * Route schemas compiled on the first request of each route, not at start. Fastify compiles every
 * route's request validators (Ajv) and response serializers (fast-json-stringify) when the app gets
 * ready: ~50 validators and ~270 serializers, ~170 ms of CPU on the 2-core bench machine, most of
 * them for routes a given server never answers. Here each one is a stand-in that compiles the
 * real function the first time it runs and then calls it; what is compiled, with which options and
 * schemas, is exactly Fastify's own default (its own `@fastify/ajv-compiler`, and
 * `@fastify/fast-json-stringify-compiler`, a dependency of ours pinned to the version Fastify's
 * lock entry resolves, so both load the same file — and the start-up bundle holds one copy).
 *
 * The serializers go through Fastify's public `schemaController.compilersFactory` option. The
 * validators cannot: a custom validator factory makes Fastify stop lower-casing header schemas, so
 * the default factory is wrapped in place on the app's schema controller (an internal of Fastify;
 * when it is not found, validators stay eager, as before — `lazySchemasActive` says which).
 * `compileAllSchemas` compiles everything still pending, so a test proves every route's schemas
 * build (a broken schema would otherwise show up as a 500 at its first request).
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validator = ((data: unknown, dataCxt?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serializer = (data: unknown) => string;
type CompilerFactory<F> = (externalSchemas: unknown, options: unknown) => (routeSchema: object) => F;

/** Compiles that have not run yet; `compileAllSchemas` drains them. */
const pending = new Set<() => void>();
const activeApps = new WeakSet<object>();

function lazy<F>(compile: () => F): { get: () => F; force: () => void } {
  let real: F | undefined;
  const force = () => {
    pending.delete(force);
    real ??= compile();
  };
  pending.add(force);
  return {
    get: () => {
      if (real === undefined) force();
      return real!;
    },
    force,
  };
}

function lazyValidators(base: CompilerFactory<Validator>): CompilerFactory<Validator> {
  return (externalSchemas, options) => {
    const compile = base(externalSchemas, options);
    return (routeSchema) => {
      const real = lazy(() => compile(routeSchema));
      const validate: Validator = (data, dataCxt) => {
        const fn = real.get();
        const result = fn(data, dataCxt);
        validate.errors = fn.errors;
        return result;
      };
      // Fastify hands an Ajv function (recognised by this property) the parent object, so Ajv can
      // coerce a root value; the real function is always Ajv's.
      validate.schemaEnv = true;
      return validate;
    };
  };
}

function lazySerializers(base: CompilerFactory<Serializer>): CompilerFactory<Serializer> {
  return (externalSchemas, options) => {
    const compile = base(externalSchemas, options);
    return (routeSchema) => {
      const real = lazy(() => compile(routeSchema));
      return (data) => real.get()(data);
    };
  };
}

/** The `schemaController` option of the Fastify app: lazy response serializers. */
export function lazySchemaController(): FastifyServerOptions['schemaController'] {
  const serializers = SerializerSelector() as CompilerFactory<Serializer>;
  return {
    compilersFactory: { buildSerializer: lazySerializers(serializers) as never },
  };
}

/** Makes the app's request validators lazy (see the file comment); call right after `Fastify()`. */
export function lazyValidation(app: object): void {
  const key = Object.getOwnPropertySymbols(app).find((s) => s.description === 'fastify.schemaController');
  const controller = key && (app as unknown as Record<symbol, { compilersFactory?: Record<string, unknown> }>)[key];
  const factory = controller?.compilersFactory;
  if (!factory || typeof factory.buildValidator !== 'function') return;
  factory.buildValidator = lazyValidators(factory.buildValidator as CompilerFactory<Validator>);
  activeApps.add(app);
}

/** Whether `lazyValidation` found Fastify's schema controller on this app. */
export function lazySchemasActive(app: object): boolean {
  return activeApps.has(app);
}

/** Compiles every validator and serializer not compiled yet; throws what the first broken schema throws. */
export function compileAllSchemas(): number {
  let n = 0;
  for (const force of [...pending]) {
    force();
    n++;
  }
  return n;
}
