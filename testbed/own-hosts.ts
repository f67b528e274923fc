// Running a command-line client with host names of its own: an /etc/hosts bind-mounted over the
// real one in a private mount namespace of that one process (unshare -m, as root). SNI tests need
// names such as broker-1.orders.example.test to reach loopback, and nothing on the machine changes.
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Host name → IP address, as in /etc/hosts. */
export type HostOverrides = Readonly<Record<string, string>>;

/**
 * The command and arguments that run `command args` with `hosts` added to what it resolves. Without
 * overrides the command is returned unchanged.
 */
export function withOwnHosts(
  command: string,
  args: readonly string[],
  hosts: HostOverrides | undefined,
): { command: string; args: string[] } {
  if (hosts === undefined || Object.keys(hosts).length === 0) return { command, args: [...args] };
  if (process.getuid?.() !== 0)
    throw new Error('host name overrides for a client need root (unshare -m and mount --bind)');
  const lines = ['127.0.0.1 localhost', '::1 localhost', ...Object.entries(hosts).map(([name, ip]) => `${ip} ${name}`)];
  const content = `${lines.join('\n')}\n`;
  const file = join(tmpdir(), `switchyard-hosts-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`);
  if (!existsSync(file)) writeFileSync(file, content);
  return {
    command: 'unshare',
    args: ['-m', '--', 'sh', '-c', 'mount --bind "$1" /etc/hosts && shift && exec "$@"', 'sh', file, command, ...args],
  };
}
