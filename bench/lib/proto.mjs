// The line protocol shared by peer servers (torch_bench.py, tfjs_bench.mjs, lib/child.mjs):
// requests are JSON lines on stdin; each answer is one stdout line `TAG + JSON`. Other output
// (library banners, warnings) is ignored by the parent.
import { createInterface } from 'node:readline';

export const TAG = '@@NGBENCH@@ ';

// Serve requests one at a time with `handler(op, args) -> result` (may be async).
export function serve(handler) {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const queue = [];
  let busy = false;
  let closed = false;
  const reply = (msg) => process.stdout.write(TAG + JSON.stringify(msg) + '\n');
  const pump = async () => {
    if (busy) return;
    busy = true;
    while (queue.length) {
      const line = queue.shift();
      let req;
      try {
        req = JSON.parse(line);
      } catch (e) {
        reply({ id: null, ok: false, error: `bad request: ${e.message}` });
        continue;
      }
      const { op, id, ...args } = req;
      if (op === 'quit') {
        reply({ id, ok: true, result: {} });
        rl.close();
        setImmediate(() => process.exit(0));
        return;
      }
      try {
        const result = await handler(op, args);
        reply({ id, ok: true, result: result ?? {} });
      } catch (e) {
        reply({ id, ok: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? e}`, trace: e?.stack });
      }
    }
    busy = false;
    if (closed) process.exit(0);
  };
  rl.on('line', (line) => {
    if (line.trim()) {
      queue.push(line);
      pump();
    }
  });
  rl.on('close', () => {
    closed = true;
    if (!busy && !queue.length) process.exit(0);
  });
}
