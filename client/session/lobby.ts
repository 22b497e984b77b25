/** Watches a room from `/lobby` before joining: who is there, whether it is locked or has a password. */
import { io, type Socket } from 'socket.io-client';
import type { LobbyClientToServer, LobbyRoom, LobbyServerToClient } from '../../server/protocol/events';

export class LobbyWatch {
  private readonly socket: Socket<LobbyServerToClient, LobbyClientToServer>;

  constructor(room: string, onRoom: (room: LobbyRoom) => void) {
    this.socket = io('/lobby', { forceNew: true, reconnectionDelayMax: 5000 });
    this.socket.on('lobby:room', onRoom);
    this.socket.on('connect', () => {
      this.socket.emit('lobby:watch', { room }, (reply) => {
        if (reply.ok) onRoom(reply.room);
      });
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}
