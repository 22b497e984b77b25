/** Prometheus metrics: default process metrics plus what an operator of Parley watches. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { hashing } from './rooms/password';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    sockets: new Gauge({
      name: 'parley_connected_sockets',
      help: 'Connected Socket.IO sockets on this replica',
      labelNames: ['namespace'],
      registers: [registry],
    }),
    rooms: new Gauge({ name: 'parley_rooms', help: 'Rooms with a participant connected to this replica', registers: [registry] }),
    participants: new Gauge({ name: 'parley_participants', help: 'Participants connected to this replica', registers: [registry] }),
    joins: new Counter({ name: 'parley_joins_total', help: 'Admissions to a room', labelNames: ['kind'], registers: [registry] }),
    leaves: new Counter({
      name: 'parley_leaves_total',
      help: 'Participants removed from a room',
      labelNames: ['reason'],
      registers: [registry],
    }),
    signals: new Counter({ name: 'parley_signals_relayed_total', help: 'Signals relayed to a participant', registers: [registry] }),
    chat: new Counter({ name: 'parley_chat_messages_total', help: 'Chat messages stored and delivered', registers: [registry] }),
    refused: new Counter({
      name: 'parley_refused_total',
      help: 'Refused or dropped inbound events and handshakes',
      labelNames: ['event', 'code'],
      registers: [registry],
    }),
    passwordHashes: new Counter({
      name: 'parley_password_hashes_total',
      help: 'Room passwords hashed (scrypt) by this process: one per password checked or set, none for cheap refusals',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(hashing.done);
      },
    }),
    passwordHashesBusy: new Counter({
      name: 'parley_password_hashes_refused_total',
      help: 'Joins refused because too many password hashes were waiting',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(hashing.refused);
      },
    }),
    joinSeconds: new Histogram({
      name: 'parley_join_seconds',
      help: 'Time to admit a participant (handshake to welcome)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
