/**
 * Signs and verifies Hearth's own JWTs with `jose`: ES256 only (the algorithm is pinned, so
 * `alg: none` and HS/RS confusion fail), issuer, audience and token type checked, clock skew bounded.
 * Access tokens (`typ: at+jwt`) and refresh tokens (`typ: refresh+jwt`) have different audiences and
 * types, so one can never be used as the other.
 *
 * jose (~45 modules) is loaded with the first token signed or checked, not at start: the key file is
 * created and checked with node:crypto (the same JWK jose would write: EC P-256, `kid` its RFC 7638
 * thumbprint).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createOnce } from './exclusive-file.js';
import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, type JsonWebKey } from 'node:crypto';
import type { JWK, JWTPayload, importJWK } from 'jose';
import { isRole, type Role } from '../core/auth.js';

const ALG = 'ES256';
const ACCESS_TYP = 'at+jwt';
const REFRESH_TYP = 'refresh+jwt';

export interface JwtSettings {
  issuer: string;
  audience: string;
  accessTtlSec: number;
  refreshTtlSec: number;
  clockSkewSec: number;
}

export interface AccessClaims {
  sub: string;
  role: Role;
  via: string;
  /** Refresh family (login session) the token belongs to; revoking the family ends it at once. */
  sid: string;
}

export interface RefreshClaims {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** RFC 7638 thumbprint of an EC public key (the required members in lexicographic order), base64url SHA-256. */
function ecThumbprint(jwk: JWK): string {
  const members = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(members).digest('base64url');
}

/** Reads the ES256 private JWK at `file`, creating it (mode 0600) on first run. Throws on a key that is not EC P-256. */
function loadOrCreateJwk(file: string): JWK {
  let jwk: JWK;
  if (existsSync(file)) {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const mine = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JWK;
    mine.kid = ecThumbprint(mine);
    // Another replica may have created it meanwhile: then its key is the one everybody uses.
    jwk = JSON.parse(createOnce(file, JSON.stringify(mine))) as JWK;
  }
  const key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error(`${file}: the JWT signing key must be an EC P-256 private JWK (ES256)`);
  return jwk;
}

async function importKeys(jwk: JWK): Promise<{ privateKey: SigningKey; publicKey: SigningKey }> {
  const { importJWK } = await import('jose');
  const { d: _private, ...publicJwk } = jwk;
  return {
    privateKey: await importJWK({ ...jwk, alg: ALG }, ALG),
    publicKey: await importJWK({ ...publicJwk, alg: ALG }, ALG),
  };
}

export class TokenSigner {
  private keys?: Promise<{ privateKey: SigningKey; publicKey: SigningKey }>;
  private readonly kid: string;
  /** The verification key, published for other services that check Hearth tokens. */
  readonly publicJwk: JWK;

  private constructor(
    private readonly settings: JwtSettings,
    private readonly jwk: JWK,
  ) {
    const { d: _private, ...publicJwk } = jwk;
    this.publicJwk = publicJwk;
    this.kid = jwk.kid ?? ecThumbprint(publicJwk);
  }

  /** A signer whose key lives in `keyFile` (generated when absent). */
  static async open(keyFile: string, settings: JwtSettings): Promise<TokenSigner> {
    return new TokenSigner(settings, loadOrCreateJwk(keyFile));
  }

  /** The keys as jose uses them, imported with the first token. */
  private material(): Promise<{ privateKey: SigningKey; publicKey: SigningKey }> {
    this.keys ??= importKeys(this.jwk).catch((err: unknown) => {
      this.keys = undefined;
      throw err;
    });
    return this.keys;
  }

  get accessTtlSec(): number {
    return this.settings.accessTtlSec;
  }

  /** A short-lived access token. */
  async signAccess(c: AccessClaims): Promise<string> {
    const [{ SignJWT }, { privateKey }] = await Promise.all([import('jose'), this.material()]);
    return new SignJWT({ role: c.role, via: c.via, sid: c.sid })
      .setProtectedHeader({ alg: ALG, typ: ACCESS_TYP, kid: this.kid })
      .setSubject(c.sub)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${this.settings.accessTtlSec}s`)
      .setJti(randomUUID())
      .sign(privateKey);
  }

  /** A refresh token; its lifetime is capped by the family's expiry. */
  async signRefresh(c: { sub: string; sid: string; jti: string; expiresAt: number }): Promise<string> {
    const [{ SignJWT }, { privateKey }] = await Promise.all([import('jose'), this.material()]);
    return new SignJWT({ sid: c.sid })
      .setProtectedHeader({ alg: ALG, typ: REFRESH_TYP, kid: this.kid })
      .setSubject(c.sub)
      .setIssuer(this.settings.issuer)
      .setAudience(this.refreshAudience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(c.expiresAt / 1000))
      .setJti(c.jti)
      .sign(privateKey);
  }

  /** The claims of a valid access token, or undefined for anything else. */
  async verifyAccess(token: string): Promise<AccessClaims | undefined> {
    const p = await this.verify(token, ACCESS_TYP, this.settings.audience);
    if (!p || typeof p.sub !== 'string' || !isRole(p.role) || typeof p.via !== 'string' || typeof p.sid !== 'string')
      return undefined;
    return { sub: p.sub, role: p.role, via: p.via, sid: p.sid };
  }

  /** The claims of a valid refresh token, or undefined for anything else. */
  async verifyRefresh(token: string): Promise<RefreshClaims | undefined> {
    const p = await this.verify(token, REFRESH_TYP, this.refreshAudience);
    if (
      !p ||
      typeof p.sub !== 'string' ||
      typeof p.sid !== 'string' ||
      typeof p.jti !== 'string' ||
      typeof p.exp !== 'number'
    )
      return undefined;
    return { sub: p.sub, sid: p.sid, jti: p.jti, exp: p.exp };
  }

  private get refreshAudience(): string {
    return `${this.settings.audience}#refresh`;
  }

  private async verify(token: string, typ: string, audience: string): Promise<JWTPayload | undefined> {
    if (token.length > 8192) return undefined;
    const [{ jwtVerify }, { publicKey }] = await Promise.all([import('jose'), this.material()]);
    try {
      const { payload } = await jwtVerify(token, publicKey, {
        algorithms: [ALG],
        issuer: this.settings.issuer,
        audience,
        typ,
        clockTolerance: this.settings.clockSkewSec,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      return payload;
    } catch {
      // Every failure (bad signature, expiry, wrong audience, garbage) is the same to the caller: no credential.
      return undefined;
    }
  }
}
