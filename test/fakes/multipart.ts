/**
 * A lenient multipart/form-data reader shared by the platform fakes (Telegram uploads, Discord
 * `payload_json` + `files[n]`). Telegram's server accepts what grammY writes
 * (`content-disposition:form-data;name="x";filename=y` — no spaces, unquoted filename), which the
 * WHATWG FormData parser rejects, so the fakes read parts themselves.
 */

/** One part of a multipart body; `fileName` is set for file uploads. */
export interface Part {
  name: string;
  fileName?: string;
  contentType?: string;
  body: Buffer;
}

function param(disposition: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${key}=(?:"([^"]*)"|([^;]*))`, 'i').exec(disposition);
  return m ? (m[1] ?? m[2]).trim() : undefined;
}

/** Splits a multipart body into its parts. */
export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error('multipart body not terminated');
    const raw = body.subarray(start + 2, next - 2); // skip the CRLF after the delimiter and before the next
    const split = raw.indexOf('\r\n\r\n');
    const headers = raw.subarray(0, split).toString('utf8').split('\r\n');
    const header = (name: string): string | undefined =>
      headers
        .find((h) => h.toLowerCase().startsWith(`${name}:`))
        ?.slice(name.length + 1)
        .trim();
    const disposition = header('content-disposition') ?? '';
    const name = param(disposition, 'name');
    if (!name) throw new Error('multipart part without a name');
    parts.push({
      name,
      fileName: param(disposition, 'filename'),
      contentType: header('content-type'),
      body: Buffer.from(raw.subarray(split + 4)),
    });
    at = next;
  }
  return parts;
}
