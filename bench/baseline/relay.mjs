// The baseline: a bare Socket.IO relay, the limit of the framework Parley builds on.
// Join a room by handshake auth, learn the others, relay `signal` to a socket id. Nothing else.
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const server = http.createServer();
const options = { serveClient: false, maxHttpBufferSize: 64 * 1024 };
if (process.env.REDIS_URL) {
  const { createClient } = await import('redis');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  options.adapter = createAdapter(pub, sub);
}
const io = new Server(server, options);

const nsp = io.of('/room');
nsp.on('connection', async (socket) => {
  const room = String(socket.handshake.auth?.room ?? 'lobby');
  socket.join(room);
  const peers = (await nsp.in(room).fetchSockets()).map((s) => s.id).filter((id) => id !== socket.id);
  socket.emit('room:welcome', { self: { id: socket.id }, peers: peers.map((id) => ({ id })) });
  socket.to(room).emit('peer:joined', { id: socket.id });
  socket.on('signal', (msg) => {
    if (msg && typeof msg.to === 'string')
      nsp.to(msg.to).emit('signal', { from: socket.id, description: msg.description, candidate: msg.candidate });
  });
  socket.on('media', (media) => socket.to(room).emit('peer:updated', { id: socket.id, media }));
  socket.on('chat:send', (msg, ack) => {
    const message = { id: String(Math.random()), from: socket.id, name: 'x', text: msg?.text, ts: Date.now() };
    socket.to(room).emit('chat:message', message);
    if (typeof ack === 'function') ack({ ok: true, message });
  });
  socket.on('disconnect', () => socket.to(room).emit('peer:left', { id: socket.id, reason: 'left' }));
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => io.close(() => process.exit(0)));
