/** Running a Lua script by its digest, so that Redis receives the body only when it does not know it. */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../client';

export interface LuaScript {
  body: string;
  sha: string;
}

export function luaScript(body: string): LuaScript {
  return { body, sha: createHash('sha1').update(body).digest('hex') };
}

/** EVALSHA, falling back to EVAL (which caches the script) after a Redis restart or failover. */
export async function evalScript(client: RedisClient, script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
  const options = { keys, arguments: args };
  try {
    return await client.evalSha(script.sha, options);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return client.eval(script.body, options);
    throw err;
  }
}
