/** STUN/TURN settings for a participant; TURN uses coturn's REST API scheme (use-auth-secret). */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol/events';

export interface IceConfig {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret?: string;
  turnTtlS: number;
}

/**
 * TURN REST credentials: username "<expiry>:<user>", credential base64(HMAC-SHA1(secret, username)).
 * Short-lived, so a leaked credential stops working on its own.
 */
export function turnCredentials(secret: string, user: string, ttlS: number, nowMs = Date.now()) {
  const username = `${Math.floor(nowMs / 1000) + ttlS}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export function iceServersFor(cfg: IceConfig, user: string, nowMs = Date.now()): IceServer[] {
  const servers: IceServer[] = [];
  if (cfg.stunUrls.length > 0) servers.push({ urls: [...cfg.stunUrls] });
  if (cfg.turnUrls.length > 0 && cfg.turnSecret) {
    servers.push({ urls: [...cfg.turnUrls], ...turnCredentials(cfg.turnSecret, user, cfg.turnTtlS, nowMs) });
  }
  return servers;
}
