import { createSocket } from 'node:dgram';
import * as packet from 'dns-packet';

/**
 * A name server on 127.0.0.1 over real UDP, speaking the DNS wire format: each test sets the A record a name
 * answers with, and may change it between two questions (as a rebinding attacker would).
 */
export async function startDnsServer() {
  const records = new Map<string, string>();
  const questions: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    const query = packet.decode(msg);
    const q = query.questions?.[0];
    if (!q) return;
    questions.push(`${q.type} ${q.name}`);
    const ip = records.get(q.name.toLowerCase());
    const answer = packet.encode({
      id: query.id,
      type: 'response',
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (ip === undefined ? 3 : 0), // rcode 3: NXDOMAIN
      questions: [q],
      answers: ip !== undefined && q.type === 'A' ? [{ type: 'A', name: q.name, ttl: 0, class: 'IN', data: ip }] : [],
    });
    socket.send(answer, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    questions,
    set: (name: string, ip: string) => void records.set(name.toLowerCase(), ip),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
