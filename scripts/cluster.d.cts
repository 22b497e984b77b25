/** Types for scripts/cluster.cjs, the native cluster runner. */
import type { ChildProcess } from 'node:child_process';

export interface ClusterOptions {
  /** 1 to 9, default 3. */
  replicas?: number;
  /** Load balancer port on 127.0.0.1; default a free one. */
  port?: number;
  /** Start redis-server and set REDIS_URL (default true). */
  redis?: boolean;
  /** Start coturn and set TURN_URLS / TURN_SECRET (default true). */
  turn?: boolean;
  turnPort?: number;
  /** Extra environment for every replica. */
  env?: Record<string, string>;
  /** Extra environment for HAProxy (e.g. { PARLEY_METRICS_TOKEN: '...' }). */
  lbEnv?: Record<string, string>;
  logs?: 'files' | 'prefix' | 'ignore';
  build?: boolean | 'if-needed';
}

/** A cluster process that can be killed and started again on the same port. */
export interface RestartableHandle {
  port: number;
  url: string;
  pid: number;
  proc: ChildProcess;
  /** Sends the signal and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port; resolves when it is ready. */
  start(): Promise<void>;
}

/** kill() defaults to SIGTERM; start() resolves when /readyz answers 200. */
export interface ReplicaHandle extends RestartableHandle {
  /** Also its REPLICA_ID and its server name in HAProxy: r1, r2, ... */
  id: string;
  /** SIGTERM, wait, start again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  running(): boolean;
}

/** kill() defaults to SIGKILL; its AOF directory is kept, so start() brings the data back. */
export type RedisHandle = RestartableHandle;

export interface Cluster {
  /** The load balancer's URL: the cluster's one address. */
  url: string;
  /** Temporary directory with the logs (removed by stop()). */
  dir: string;
  replicas: ReplicaHandle[];
  redis: RedisHandle | null;
  turn: { port: number; secret: string; urls: string[]; pid: number; proc: ChildProcess } | null;
  lb: { port: number; pid: number; proc: ChildProcess };
  stop(): Promise<void>;
  /**
   * Restarts the replicas one at a time: sends `signal` (default SIGTERM, which drains), waits for the exit, starts
   * the replica again and waits until the load balancer routes to it; then the next. Also: SIGUSR2 to the runner.
   */
  rollingRestart(options?: {
    signal?: NodeJS.Signals;
    /** SIGKILL after this long without an exit (default 30 s). */
    stopTimeoutMs?: number;
    onStep?: (step: { replica: string; phase: 'stopping' | 'starting' | 'back'; stoppedMs?: number; backMs?: number }) => void;
  }): Promise<Array<{ replica: string; stoppedMs: number; backMs: number }>>;
}

export function startCluster(options?: ClusterOptions): Promise<Cluster>;
export function buildIfNeeded(force?: boolean): void;
