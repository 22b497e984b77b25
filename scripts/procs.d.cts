/** Types for scripts/procs.cjs, the process toolkit. */
import type { ChildProcess } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';

export const SYSTEM_BINARIES: Record<string, string>;
export const TEST_BINARIES: string[];
export function whichBinary(binary: string): string | null;
/** Throws unless `binary` is on the PATH; the message names its Debian package. */
export function requireBinary(binary: string): string;
export function missingPackages(binaries?: string[]): string[];
export function ensureSystemPackages(binaries?: string[], say?: (line: string) => void): string[];
export function freePort(): Promise<number>;
export function tcpOpen(port: number, host?: string): Promise<boolean>;
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}
export function httpGet(port: number, pathname: string, headers?: Record<string, string>, host?: string): Promise<HttpAnswer | null>;
/** Resolves with the first answer of `check` that is not undefined, null or false; a throwing check is asked again. */
export function until<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs?: number,
  proc?: ChildProcess,
  everyMs?: number,
): Promise<T>;
export function exited(proc: ChildProcess | null | undefined): boolean;
export function waitForPort(port: number, timeoutMs?: number, proc?: ChildProcess): Promise<void>;
export function waitForHttp(port: number, pathname: string, status?: number, timeoutMs?: number, proc?: ChildProcess): Promise<void>;
export function stopProcess(proc: ChildProcess | null | undefined, signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
export function stopGroup(proc: ChildProcess | null | undefined, signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
