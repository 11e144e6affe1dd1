/**
 * JSON as a test receives it from the wire: a fake server's request body, a route's answer, a frame. Tests index into
 * it freely and assert on what they find, so a schema per payload would only restate the assertion; this one alias is
 * the suite's single use of `any`, instead of `any` scattered through the files.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: untyped wire JSON in tests and fakes
export type Json = any;
