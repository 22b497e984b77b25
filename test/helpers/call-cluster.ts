/// <reference lib="dom" />
/**
 * Calls in Chromium through the native cluster (scripts/cluster.cjs: redis-server, replica processes, HAProxy,
 * coturn): one call per suite (useCallCluster), participants pinned to a replica with the load balancer's cookie,
 * which replica each one's socket is on and what each page went through (window.parley.trail).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import { startCluster, type Cluster } from '../../scripts/cluster.cjs';
import { freePort } from '../../scripts/procs.cjs';
import { ensureClientBuilt, joinFromPrejoin, launchBrowser, waitUntil } from './browser';
import { makeMediaDir, parleyStats, rmMediaDir, writeSolidY4m } from './frames';
import { lbCookies } from './lb';

export interface CallCluster {
  cluster: Cluster;
  browser: Browser;
  /** The LB cookie value (PARLEY_LB) that pins each replica, by replica id. */
  cookies: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * A cluster of `replicas` with STUN on the cluster's own coturn (no traffic leaves the machine), and one headless
 * Chromium whose camera is a small solid-colour file (cheap to encode and decode with four participants on two cores).
 */
export async function startCallCluster(env: Record<string, string>, replicas = 3): Promise<CallCluster> {
  ensureClientBuilt();
  const turnPort = await freePort();
  const cluster = await startCluster({
    replicas,
    turnPort,
    logs: 'files',
    env: { LOG_LEVEL: 'warn', STUN_URLS: `stun:127.0.0.1:${turnPort}`, ...env },
  });
  const media = makeMediaDir();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser({ fakeVideo: writeSolidY4m(`${media}/camera.y4m`, [40, 70, 230]) });
    const cookies = await lbCookies(cluster.url, replicas);
    const b = browser;
    return {
      cluster,
      browser: b,
      cookies,
      stop: async () => {
        await b.close().catch(() => undefined);
        await cluster.stop();
        rmMediaDir(media);
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await cluster.stop();
    rmMediaDir(media);
    throw err;
  }
}

/** Who joins a call, in order: the name, the replica the LB cookie pins it to, and how it joins. */
export type Placement = readonly [name: string, replica: string, opts?: { relayOnly?: boolean }];

/** A call that lasts a whole suite; every getter is valid inside the suite's tests. */
export interface CallFixture {
  readonly cluster: Cluster;
  readonly browser: Browser;
  readonly cookies: Map<string, string>;
  /** The call's room code. */
  readonly room: string;
  /** Everyone who joined, in the order of the placements. */
  readonly people: ClusterParticipant[];
  byName(name: string): ClusterParticipant;
}

/**
 * Registers beforeAll, which starts a call cluster (startCallCluster with `env`) and joins `placements` to one room
 * until every page decodes every other (joinMesh), and afterAll, which closes every page and stops the cluster.
 */
export function useCallCluster(
  env: Record<string, string>,
  placements: readonly Placement[],
  opts: { replicas?: number } = {},
): CallFixture {
  const room = newRoomCode();
  let cc: CallCluster | undefined;
  let people: ClusterParticipant[] = [];
  beforeAll(async () => {
    cc = await startCallCluster(env, opts.replicas);
    people = await joinMesh(cc, room, placements);
  });
  afterAll(async () => {
    await Promise.all(people.map((p) => p.context.close().catch(() => undefined)));
    people = [];
    await cc?.stop();
  });
  const running = (): CallCluster => {
    if (!cc) throw new Error('the call cluster is not running: use the fixture inside a test');
    return cc;
  };
  return {
    get cluster() {
      return running().cluster;
    },
    get browser() {
      return running().browser;
    },
    get cookies() {
      return running().cookies;
    },
    room,
    get people() {
      return people;
    },
    byName(name) {
      const p = people.find((x) => x.name === name);
      if (!p) throw new Error(`nobody called ${name} is in the call`);
      return p;
    },
  };
}

/** One entry of window.parley.trail(): 'welcome' (id: own PeerId), 'left' (id, reason), or a connection status. */
export interface TrailEntry {
  at: number;
  event: string;
  id?: string;
  reason?: string;
}

/** A Socket.IO handshake (a polling request without a sid) as the browser saw it go through the LB. */
export interface Handshake {
  at: number;
  status: number;
  /** The HAProxy server that answered (X-Parley-Server: r1, r2, ...). */
  server: string;
}

export interface ClusterParticipant {
  name: string;
  id: string;
  page: Page;
  context: BrowserContext;
  console: string[];
  handshakes: Handshake[];
}

/** A room page opened through the LB, not yet in the call (ClusterParticipant without its PeerId). */
export type ClusterPage = Omit<ClusterParticipant, 'id'>;

/**
 * Opens the room page through the LB as `name` (pinned to `replica` with its cookie when given: the page and every
 * socket it opens, /lobby and /room, go there while it is up). Every Socket.IO handshake's answering replica is
 * recorded. `relayOnly`: its media goes through the cluster's coturn only.
 */
export async function openThroughLb(
  cc: Pick<CallCluster, 'cluster' | 'browser' | 'cookies'>,
  room: string,
  name: string,
  replica?: string,
  opts: { relayOnly?: boolean } = {},
): Promise<ClusterPage> {
  const context = await cc.browser.newContext({ viewport: { width: 960, height: 600 } });
  // These tests measure failover with every participant's browser and three replicas on one small machine: noise
  // suppression (tested on its own in test/browser/audio.test.ts) stays off so that its DSP does not slow the
  // replicas' restarts and moves they time.
  await context.addInitScript(() => localStorage.setItem('parley.noiseSuppression', 'off'));
  if (opts.relayOnly) {
    // As behind a network that lets media through the TURN relay only: every peer connection of this page relays.
    await context.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      window.RTCPeerConnection = class extends Native {
        constructor(config?: RTCConfiguration) {
          super({ ...config, iceTransportPolicy: 'relay' });
        }
      };
    });
  }
  if (replica) {
    const value = cc.cookies.get(replica);
    if (!value) throw new Error(`no cookie for replica ${replica}`);
    await context.addCookies([{ name: 'PARLEY_LB', value, url: cc.cluster.url }]);
  }
  const page = await context.newPage();
  const lines: string[] = [];
  const handshakes: Handshake[] = [];
  page.on('console', (m) => lines.push(m.text()));
  page.on('pageerror', (err) => lines.push(`pageerror: ${err.message}`));
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (u.pathname !== '/socket.io/' || u.searchParams.has('sid')) return;
    handshakes.push({ at: Date.now(), status: res.status(), server: res.headers()['x-parley-server'] ?? '?' });
  });
  await page.goto(`${cc.cluster.url}/r/${room}`);
  return { name, page, context, console: lines, handshakes };
}

/** The PeerId of a page in the call (window.parley.selfId). */
export function selfIdOf(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { parley: { selfId: string } }).parley.selfId);
}

/** Opens the room page through the LB (openThroughLb), joins as `name` and waits for the own tile. */
export async function joinThroughLb(
  cc: CallCluster,
  room: string,
  name: string,
  replica?: string,
  opts: { relayOnly?: boolean } = {},
): Promise<ClusterParticipant> {
  const opened = await openThroughLb(cc, room, name, replica, opts);
  await joinFromPrejoin(opened.page, name);
  return { ...opened, id: await selfIdOf(opened.page) };
}

/** True when every participant's page decodes video from every other participant. */
export async function allDecoding(people: ClusterParticipant[]): Promise<boolean> {
  for (const p of people) {
    const stats = await parleyStats(p.page);
    if (people.some((o) => o !== p && !((stats[o.id]?.framesDecoded ?? 0) > 5))) return false;
  }
  return true;
}

/** Joins everyone through the LB in order (each pinned to its replica), then waits until all decode each other's video. */
export async function joinMesh(cc: CallCluster, room: string, placements: readonly Placement[]): Promise<ClusterParticipant[]> {
  const people: ClusterParticipant[] = [];
  for (const [name, replica, opts] of placements) people.push(await joinThroughLb(cc, room, name, replica, opts));
  await waitUntil('every page decoding video from every other participant', () => allDecoding(people), 40_000);
  return people;
}

/** window.parley.trail() of a page. */
export function trail(p: Pick<ClusterParticipant, 'page'>): Promise<TrailEntry[]> {
  return p.page.evaluate(() => (window as unknown as { parley: { trail(): TrailEntry[] } }).parley.trail());
}

/** The replica the participant's latest successful handshake reached. */
export function replicaOf(p: Pick<ClusterParticipant, 'handshakes'>): string | undefined {
  return p.handshakes.filter((h) => h.status === 200).at(-1)?.server;
}

/** Frames decoded by `observer` from each of `from`, summed (-1 where not connected to one of them). */
export async function framesFrom(observer: ClusterParticipant, from: ClusterParticipant[]): Promise<number[]> {
  const stats = await parleyStats(observer.page);
  return from.map((p) => stats[p.id]?.framesDecoded ?? -1);
}

/** The first welcome after `since` (epoch ms) with the participant's own PeerId; undefined when none yet. */
export async function welcomeAfter(p: ClusterParticipant, since: number): Promise<TrailEntry | undefined> {
  return (await trail(p)).find((e) => e.event === 'welcome' && e.at > since && e.id === p.id);
}

/** Every peer:left a participant received. */
export async function leftSeen(p: ClusterParticipant): Promise<TrailEntry[]> {
  return (await trail(p)).filter((e) => e.event === 'left');
}
