/**
 * Uploads archives (and new model-cache files) to an S3-compatible store, lists and deletes them
 * for retention. Checksums only when required: several S3-compatible servers store the SDK's
 * aws-chunked framing verbatim otherwise.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import type { HearthConfig } from '../../core/config.js';

type S3Settings = NonNullable<HearthConfig['backup']['s3']>;

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

export class S3BackupTarget {
  private readonly s3: S3Client;

  constructor(
    private readonly settings: S3Settings,
    env: Record<string, string | undefined> = process.env,
  ) {
    const accessKeyId = settings.accessKeyId ?? env.HEARTH_S3_ACCESS_KEY_ID;
    const secretAccessKey = settings.secretAccessKey ?? env.HEARTH_S3_SECRET_ACCESS_KEY;
    this.s3 = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private async ensureBucket(): Promise<void> {
    const Bucket = this.settings.bucket;
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket }));
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      await this.s3.send(new CreateBucketCommand({ Bucket }));
    }
  }

  private async exists(Key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  private async put(Key: string, file: string): Promise<void> {
    await new Upload({
      client: this.s3,
      params: { Bucket: this.settings.bucket, Key, Body: createReadStream(file) },
    }).done();
  }

  /** Uploads an archive and the model-cache files it names that the bucket does not hold yet. */
  async upload(
    archive: string,
    modelCache: string,
    modelHashes: string[],
  ): Promise<{ key: string; modelsUploaded: number }> {
    await this.ensureBucket();
    let modelsUploaded = 0;
    for (const sha of new Set(modelHashes)) {
      const key = `${this.settings.prefix}model-cache/${sha}`;
      if (await this.exists(key)) continue;
      await this.put(key, join(modelCache, sha));
      modelsUploaded++;
    }
    // The archive last: an archive in the bucket always finds its models there.
    const key = `${this.settings.prefix}${basename(archive)}`;
    await this.put(key, archive);
    return { key, modelsUploaded };
  }

  /** Archive names directly under the prefix. */
  async list(): Promise<string[]> {
    const names: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: this.settings.prefix, ContinuationToken }),
      );
      for (const o of page.Contents ?? []) {
        const rest = o.Key!.slice(this.settings.prefix.length);
        if (!rest.includes('/')) names.push(rest);
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return names;
  }

  async delete(name: string): Promise<void> {
    await this.s3.send(
      new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: `${this.settings.prefix}${name}` }),
    );
  }

  close(): void {
    this.s3.destroy();
  }
}
