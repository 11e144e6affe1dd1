/**
 * Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, R2, …) through the official
 * `@aws-sdk/client-s3`. Streams are uploaded with multipart `Upload`, so a large attachment never
 * sits in memory whole.
 *
 * Checksums are computed only when an operation requires them: with the SDK's default ("when
 * supported") a streamed body is sent with aws-chunked framing and trailing checksums, which
 * several S3-compatible servers store verbatim — the object then holds the framing, not the bytes.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { BlobMeta, BlobStore } from '../../core/stores.js';
import { ErrorCode, HearthError } from '../../core/errors.js';

export interface S3BlobOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Key prefix inside the bucket. */
  prefix: string;
}

export class S3BlobStore implements BlobStore {
  private readonly s3: S3Client;

  constructor(private readonly options: S3BlobOptions) {
    this.s3 = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Checks the bucket and creates it when missing (a fresh MinIO has none). */
  async open(): Promise<void> {
    const Bucket = this.options.bucket;
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket }));
    } catch (err) {
      if (statusOf(err) !== 404)
        throw new HearthError(ErrorCode.storage, `cannot reach bucket ${Bucket}: ${(err as Error).message}`, 503, {
          cause: err,
        });
      await this.s3.send(new CreateBucketCommand({ Bucket }));
    }
  }

  private keyOf(key: string): string {
    if (
      !key ||
      key.includes('\0') ||
      key.startsWith('/') ||
      key.split('/').some((part) => part === '..' || part === '.')
    ) {
      throw new HearthError(ErrorCode.badRequest, `invalid blob key "${key}"`, 400);
    }
    return this.options.prefix + key;
  }

  async put(key: string, data: Buffer | Readable, meta: Omit<BlobMeta, 'size'> = {}): Promise<BlobMeta> {
    const Key = this.keyOf(key);
    const Metadata = meta.fileName ? { filename: encodeURIComponent(meta.fileName) } : undefined;
    const common = { Bucket: this.options.bucket, Key, ContentType: meta.mimeType, Metadata };
    if (Buffer.isBuffer(data)) {
      await this.s3.send(new PutObjectCommand({ ...common, Body: data, ContentLength: data.length }));
      return { ...meta, size: data.length };
    }
    // Multipart upload from the stream: parts of 5 MiB, sent as they fill, never the whole body in memory.
    let size = 0;
    const counted = data.on('data', (chunk: Buffer) => (size += chunk.length));
    await new Upload({ client: this.s3, params: { ...common, Body: counted }, queueSize: 2 }).done();
    return { ...meta, size };
  }

  async get(key: string): Promise<Buffer | undefined> {
    const body = await this.stream(key);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async stream(key: string): Promise<Readable | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      return r.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<BlobMeta | undefined> {
    try {
      const r = await this.s3.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
      const fileName = r.Metadata?.filename;
      return {
        size: Number(r.ContentLength ?? 0),
        ...(r.ContentType && r.ContentType !== 'application/octet-stream' ? { mimeType: r.ContentType } : {}),
        ...(fileName ? { fileName: decodeURIComponent(fileName) } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }));
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return statusOf(err) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}
