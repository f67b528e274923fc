// The watchdog of child-reaper.ts, run as its own process. It reads lines from stdin:
// "+<pid>" / "-<pid>" register and forget a process, "d<path>" / "u<path>" a folder. When stdin
// ends (the parent died, even by SIGKILL) it kills every registered process and deletes every
// registered folder.
import { rmSync } from 'node:fs';

const pids = new Set<number>();
const folders = new Set<string>();
let pending = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const [command, argument] = [line.slice(0, 1), line.slice(1)];
    if (command === 'd') folders.add(argument);
    else if (command === 'u') folders.delete(argument);
    else if (command === '+') pids.add(Number(argument));
    else if (command === '-') pids.delete(Number(argument));
  }
});
process.stdin.on('close', () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  process.exit(0);
});
