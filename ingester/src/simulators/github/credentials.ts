import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Who may call: people with personal access tokens, GitHub Apps proving themselves
 * with an RS256 JWT, and the installation tokens issued to those apps here.
 */

export interface CredentialOptions {
  /** Tokens accepted; any well-formed token when unset. */
  tokens?: string[];
  /** GitHub App id → PEM public key, for app JWTs. */
  apps?: Record<number, string>;
}

export class Credentials {
  private installationTokens = new Map<string, { installationId: number; expires: number }>();

  constructor(private readonly options: CredentialOptions) {}

  /** The caller's token; null when none was sent, false when it is not valid. */
  token(req: IncomingMessage): string | null | false {
    const h = req.headers.authorization;
    if (!h) return null;
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(h);
    if (!m) return false;
    const t = m[1]!;
    const installation = this.installationTokens.get(t);
    if (installation) return installation.expires > Date.now() ? t : false;
    if (this.options.tokens) return this.options.tokens.includes(t) ? t : false;
    return /^(ghp_|github_pat_|gho_|ghu_)\w+/.test(t) ? t : false;
  }

  isInstallation(token: string): boolean {
    return this.installationTokens.has(token);
  }

  /** A fresh installation token, good for an hour as GitHub's are. */
  issueInstallationToken(installationId: number): { token: string; expires: number } {
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    const expires = Date.now() + 3600_000;
    this.installationTokens.set(token, { installationId, expires });
    return { token, expires };
  }

  /** The app id of a valid RS256 app JWT, or null. */
  appOf(req: IncomingMessage): number | null {
    const m = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return null;
    try {
      const header = JSON.parse(Buffer.from(m[1]!, 'base64url').toString());
      const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString());
      const appId = Number(claims.iss);
      const pem = this.options.apps?.[appId];
      if (header.alg !== 'RS256' || !pem) return null;
      const ok = verify(
        'RSA-SHA256',
        Buffer.from(`${m[1]}.${m[2]}`),
        createPublicKey(pem),
        Buffer.from(m[3]!, 'base64url'),
      );
      const nowS = Date.now() / 1000;
      if (!ok || claims.exp < nowS || claims.iat > nowS + 60) return null;
      return appId;
    } catch {
      return null;
    }
  }
}
