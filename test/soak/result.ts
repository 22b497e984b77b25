// The soak's figures: what a run counted and found, a fresh tally to count into, and the summary it prints.
export interface SoakResult {
  seconds: number;
  participants: number;
  rooms: number;
  joins: number;
  resumes: number;
  rejoins: number;
  /** Leaves sent again after a resume because the replica they went to died before it answered. */
  leaveRetries: number;
  signalsSent: number;
  signalsAcked: number;
  chatAcked: number;
  chatLost: number;
  mediaUpdates: number;
  drainNotices: number;
  /** Clients of the SIGKILLed replica, and the longest time from the kill to a fresh welcome. */
  killedClients: number;
  maxResumeAfterKillMs: number;
  /** Clients of the SIGTERMed replica and the longest time from the drain notice to a fresh welcome. */
  drainedClients: number;
  maxResumeAfterDrainMs: number;
  checkpoints: number;
  /** Lobby counts that differed from what the clients believe (room, replica, count, believed). */
  mismatches: string[];
  /** Rooms not empty on some replica after everyone left. */
  ghosts: string[];
  /** PeerIds that changed over a resume, refusals a client could not recover from. */
  anomalies: string[];
  /** Replica log lines at level error (50) or above. */
  errorLines: string[];
}

export function emptyResult(seconds: number, participants: number, rooms: number): SoakResult {
  return {
    seconds,
    participants,
    rooms,
    joins: 0,
    resumes: 0,
    rejoins: 0,
    leaveRetries: 0,
    signalsSent: 0,
    signalsAcked: 0,
    chatAcked: 0,
    chatLost: 0,
    mediaUpdates: 0,
    drainNotices: 0,
    killedClients: 0,
    maxResumeAfterKillMs: 0,
    drainedClients: 0,
    maxResumeAfterDrainMs: 0,
    checkpoints: 0,
    mismatches: [],
    ghosts: [],
    anomalies: [],
    errorLines: [],
  };
}

/** One line per figure, for the console and for docs. */
export function describe(r: SoakResult): string {
  return [
    `soak: ${r.seconds} s, ${r.participants} participants in ${r.rooms} rooms, 3 replicas behind HAProxy`,
    `  joins ${r.joins} (rejoins after leaving ${r.rejoins}), resumes ${r.resumes}, leaves sent again after a resume ${r.leaveRetries}`,
    `  signals ${r.signalsSent} sent, ${r.signalsAcked} acked; chat ${r.chatAcked} acked, ${r.chatLost} lost; media updates ${r.mediaUpdates}`,
    `  SIGKILL: ${r.killedClients} clients dropped, all back within ${r.maxResumeAfterKillMs} ms`,
    `  SIGTERM: ${r.drainNotices} drain notices, ${r.drainedClients} clients moved, longest ${r.maxResumeAfterDrainMs} ms`,
    `  checkpoints ${r.checkpoints}, lobby mismatches ${r.mismatches.length}, ghosts ${r.ghosts.length}, anomalies ${r.anomalies.length}, error log lines ${r.errorLines.length}`,
  ].join('\n');
}
