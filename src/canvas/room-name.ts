/** Room names: what fits in a URL path segment and a log line without escaping. */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
