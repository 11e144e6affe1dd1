/**
 * Ogg pages (RFC 3533): the container of Telegram and WhatsApp voice notes. Splits a stream into
 * packets and builds pages back; pure functions, no I/O.
 */
import { ErrorCode, HearthError } from '../../core/errors.js';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg's CRC-32 (polynomial 0x04c11db7, unreflected, zero init) over a page with its CRC field zeroed. */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]) & 0xff]) >>> 0;
  return crc;
}

/** Every packet of the first logical stream, in order. */
export function readOggPackets(buf: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  let off = 0;
  let serial: number | undefined;
  while (off + 27 <= buf.length) {
    if (buf.toString('ascii', off, off + 4) !== 'OggS')
      throw new HearthError(ErrorCode.badRequest, 'not an Ogg stream', 400);
    const segments = buf[off + 26];
    const tableEnd = off + 27 + segments;
    if (tableEnd > buf.length) break;
    const pageSerial = buf.readUInt32LE(off + 14);
    serial ??= pageSerial;
    let data = tableEnd;
    for (let s = 0; s < segments; s++) {
      const len = buf[off + 27 + s];
      if (pageSerial === serial) partial.push(buf.subarray(data, data + len));
      data += len;
      if (len < 255 && pageSerial === serial) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    off = data;
  }
  return packets;
}

export interface OggPageInput {
  packets: Buffer[];
  granule: bigint;
  serial: number;
  sequence: number;
  bos?: boolean;
  eos?: boolean;
}

/** Builds one page holding whole packets (each under 255 × 255 bytes, as Opus packets are). */
export function buildOggPage(page: OggPageInput): Buffer {
  const lacing: number[] = [];
  for (const p of page.packets) {
    let n = p.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  if (lacing.length > 255) throw new HearthError(ErrorCode.internal, 'too many packets for one Ogg page');
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0);
  header[5] = (page.bos ? 2 : 0) | (page.eos ? 4 : 0);
  header.writeBigInt64LE(page.granule, 6);
  header.writeUInt32LE(page.serial, 14);
  header.writeUInt32LE(page.sequence, 18);
  header[26] = lacing.length;
  Buffer.from(lacing).copy(header, 27);
  const out = Buffer.concat([header, ...page.packets]);
  out.writeUInt32LE(oggCrc(out), 22);
  return out;
}
