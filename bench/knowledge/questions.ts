/**
 * Questions about Fastify's documentation (node_modules/fastify/docs), phrased as users ask them,
 * each with the passage that answers it: the file and the heading of its section.
 */
export interface Question {
  q: string;
  file: string;
  section: string;
}

export const questions: Question[] = [
  {
    q: 'How do I stop slow clients from keeping a connection open forever?',
    file: 'Reference/Server.md',
    section: 'connectionTimeout',
  },
  { q: 'how long does an idle keep-alive socket stay open', file: 'Reference/Server.md', section: 'keepAliveTimeout' },
  {
    q: 'what is the largest request payload accepted by default and how to change it',
    file: 'Reference/Server.md',
    section: 'bodyLimit',
  },
  { q: 'protect against __proto__ poisoning in JSON bodies', file: 'Reference/Server.md', section: 'onProtoPoisoning' },
  { q: 'turn off the automatic request logging lines', file: 'Reference/Server.md', section: 'disableRequestLogging' },
  { q: 'which header carries the request id', file: 'Reference/Server.md', section: 'requestIdHeader' },
  { q: 'generate my own request ids', file: 'Reference/Server.md', section: 'genReqId' },
  {
    q: 'running behind a reverse proxy, how do I get the real client ip',
    file: 'Reference/Server.md',
    section: 'trustProxy',
  },
  {
    q: 'my plugin takes too long to load and startup fails with a timeout',
    file: 'Reference/Server.md',
    section: 'pluginTimeout',
  },
  {
    q: 'parse the query string with a custom parser like qs',
    file: 'Reference/Server.md',
    section: 'querystringParser',
  },
  { q: 'answer 503 while the server is shutting down', file: 'Reference/Server.md', section: 'return503OnClosing' },
  { q: 'configure the ajv instance used for validation', file: 'Reference/Server.md', section: 'ajv' },
  { q: 'rewrite the url before routing happens', file: 'Reference/Server.md', section: 'rewriteUrl' },
  { q: 'make routes case insensitive', file: 'Reference/Server.md', section: 'caseSensitive' },
  { q: 'treat double slashes in a path as one', file: 'Reference/Server.md', section: 'ignoreDuplicateSlashes' },
  { q: 'handle a malformed request at the socket level', file: 'Reference/Server.md', section: 'clientErrorHandler' },
  {
    q: 'declare a route with method, url, schema and handler in one object',
    file: 'Reference/Routes.md',
    section: 'Full declaration',
  },
  {
    q: 'use get post shorthand methods to register routes',
    file: 'Reference/Routes.md',
    section: 'Shorthand declaration',
  },
  { q: 'route parameters and wildcards in the url', file: 'Reference/Routes.md', section: 'Url building' },
  {
    q: 'can my handler be an async function that returns the payload',
    file: 'Reference/Routes.md',
    section: 'Async Await',
  },
  { q: 'put all routes of a plugin under /v1', file: 'Reference/Routes.md', section: 'Route Prefixing' },
  { q: 'set a different log level for a single route', file: 'Reference/Routes.md', section: 'Custom Log Level' },
  {
    q: 'serve different route versions based on the Accept-Version header',
    file: 'Reference/Routes.md',
    section: 'Version Constraints',
  },
  { q: 'route by hostname', file: 'Reference/Routes.md', section: 'Host Constraints' },
  { q: 'run code before the body is parsed', file: 'Reference/Hooks.md', section: 'preParsing' },
  {
    q: 'hook that runs right before the handler, e.g. for auth checks',
    file: 'Reference/Hooks.md',
    section: 'preHandler',
  },
  { q: 'change the payload before it is serialized', file: 'Reference/Hooks.md', section: 'preSerialization' },
  { q: 'modify the response payload just before it is sent', file: 'Reference/Hooks.md', section: 'onSend' },
  { q: 'log something after the response has been sent', file: 'Reference/Hooks.md', section: 'onResponse' },
  { q: 'detect that the client aborted the request', file: 'Reference/Hooks.md', section: 'onRequestAbort' },
  {
    q: 'send a reply directly from inside a hook',
    file: 'Reference/Hooks.md',
    section: 'Respond to a request from a hook',
  },
  { q: 'close database connections when the server shuts down', file: 'Reference/Hooks.md', section: 'onClose' },
  { q: 'get notified every time a route is registered', file: 'Reference/Hooks.md', section: 'onRoute' },
  { q: 'add a hook to one route only', file: 'Reference/Hooks.md', section: 'Route level hooks' },
  {
    q: 'attach a custom property to every request object',
    file: 'Reference/Hooks.md',
    section: 'Using Hooks to Inject Custom Properties',
  },
  { q: 'how do I turn on the logger', file: 'Reference/Logging.md', section: 'Enable Logging' },
  { q: 'hide passwords and authorization headers in the logs', file: 'Reference/Logging.md', section: 'Log Redaction' },
  { q: 'use winston or my own logger instead of pino', file: 'Reference/Logging.md', section: 'Using Custom Loggers' },
  { q: 'customize how req and res are serialized in log lines', file: 'Reference/Logging.md', section: 'Serializers' },
  {
    q: 'add a utility function to the fastify instance',
    file: 'Reference/Decorators.md',
    section: 'decorate(name, value, [dependencies])',
  },
  {
    q: 'add a property to the request object with decorateRequest',
    file: 'Reference/Decorators.md',
    section: 'decorateRequest',
  },
  { q: 'check whether a decorator already exists', file: 'Reference/Decorators.md', section: 'hasDecorator' },
  { q: 'pass options to a plugin when registering it', file: 'Reference/Plugins.md', section: 'Plugin Options' },
  { q: 'how do I write my own plugin', file: 'Reference/Plugins.md', section: 'Create a plugin' },
  {
    q: 'share a JSON schema between routes with addSchema',
    file: 'Reference/Validation-and-Serialization.md',
    section: 'Adding a shared schema',
  },
  {
    q: 'use a custom validator instead of ajv',
    file: 'Reference/Validation-and-Serialization.md',
    section: 'Validator Compiler',
  },
  {
    q: 'format the validation error messages differently',
    file: 'Reference/Validation-and-Serialization.md',
    section: 'schemaErrorFormatter',
  },
  {
    q: 'speed up JSON responses with a response schema',
    file: 'Reference/Validation-and-Serialization.md',
    section: 'Serialization',
  },
  {
    q: 'what does the default error handler send to the client',
    file: 'Reference/Errors.md',
    section: 'What The Default Error Handler Sends',
  },
  {
    q: 'accept a content type other than json, like text/xml',
    file: 'Reference/ContentTypeParser.md',
    section: 'Usage',
  },
  {
    q: 'handle every content type with one catch-all parser',
    file: 'Reference/ContentTypeParser.md',
    section: 'Catch-All',
  },
  { q: 'serve http2 over tls', file: 'Reference/HTTP2.md', section: 'Secure (HTTPS)' },
  { q: 'how long is a major version supported', file: 'Reference/LTS.md', section: 'Long Term Support' },
  {
    q: 'share a decorator with sibling plugins, breaking encapsulation',
    file: 'Reference/Encapsulation.md',
    section: 'Sharing Between Contexts',
  },
  {
    q: 'run express middleware only for some paths',
    file: 'Reference/Middleware.md',
    section: 'Restrict Middleware Execution to Certain Paths',
  },
  {
    q: 'type the request body and querystring with generics in typescript',
    file: 'Reference/TypeScript.md',
    section: 'Using Generics',
  },
  { q: 'get types from my JSON schema with typebox', file: 'Reference/TypeScript.md', section: 'TypeBox' },
];
