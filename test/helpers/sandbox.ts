import { type apiClient, eventually } from './stack';

/** Plays one customer on a sandbox channel: says things, and reads what the bot sends them, in order. */
export function sandboxPhone(api: ReturnType<typeof apiClient>, channelId: string, address: string) {
  let after = 0;
  let count = 0;
  return {
    say: async (text: string, id = `msg-${address}-${++count}-${Date.now()}`) => {
      const res = await api.post(`/v1/sandbox/${channelId}/inbound`, { from: address, text, id });
      if (res.status >= 300) throw new Error(`inbound answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as { messageId: string; duplicate: boolean; conversationId: string | null; consent?: string };
    },
    /** Waits for exactly the next `n` messages to this person; returns their texts. */
    receive: async (n: number, timeoutMs = 45_000): Promise<string[]> => {
      const got = await eventually(
        async () => {
          const res = await api.get(`/v1/sandbox/${channelId}/outbox?address=${encodeURIComponent(address)}&after=${after}`);
          const messages = res.body.messages as { seq: number; text: string }[];
          return messages.length >= n ? messages.slice(0, n) : undefined;
        },
        timeoutMs,
        `${n} message(s) to ${address}`,
      );
      after = got[got.length - 1].seq;
      return got.map((m) => m.text);
    },
    /** Everything not yet received, after a short settle. */
    pending: async (settleMs = 700): Promise<string[]> => {
      await new Promise((r) => setTimeout(r, settleMs));
      const res = await api.get(`/v1/sandbox/${channelId}/outbox?address=${encodeURIComponent(address)}&after=${after}`);
      return (res.body.messages as { text: string }[]).map((m) => m.text);
    },
  };
}
