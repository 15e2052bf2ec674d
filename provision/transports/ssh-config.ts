import type { LabNode } from '../types.ts';
import { ProviderError } from './errors.ts';

/**
 * The lab's own ssh_config file: one `Host <node>` block per machine, so every
 * ssh, rsync and `npm run lab:ssh` call says just `ssh -F <file> <node>`. The
 * ssh provider writes it from lab.yaml; the vagrant provider gets it from
 * `vagrant ssh-config`. Either way the transport reads nothing else (no
 * ~/.ssh/config, no /etc/ssh/ssh_config), so a lab behaves the same for everyone.
 */

/** ssh_config values: double quotes group words; a double quote or line break cannot be written at all. */
function configValue(node: string, key: string, value: string): string {
  if (/["\n\r]/.test(value))
    throw new ProviderError(`${node}: ssh ${key} "${value}" contains a double quote or a line break`, {
      hint: `rename the file or folder so its path has neither, and update nodes[].ssh in lab.yaml`,
    });
  return /\s/.test(value) ? `"${value}"` : value;
}

/** Renders Host blocks for nodes that have `ssh` settings (lab.yaml `nodes[].ssh`). */
export function renderSshConfig(nodes: readonly LabNode[]): string {
  const blocks = nodes.map((node) => {
    const ssh = requireSsh(node);
    const lines = [`Host ${node.name}`, `  HostName ${node.ip}`, `  User ${ssh.user}`, `  Port ${ssh.port}`];
    if (ssh.identityFile !== undefined) {
      lines.push(`  IdentityFile ${configValue(node.name, 'identity_file', ssh.identityFile)}`);
      // offer only this key: an agent with many keys otherwise hits the server's MaxAuthTries
      lines.push('  IdentitiesOnly yes');
    }
    return lines.join('\n');
  });
  return `# Written by crawl-lab from lab.yaml; rewritten on every lab:up.\n${blocks.join('\n\n')}\n`;
}

export function requireSsh(node: LabNode): NonNullable<LabNode['ssh']> {
  if (node.ssh === undefined)
    throw new ProviderError(`${node.name}: provider ssh needs a login for this node (nodes[].ssh)`, {
      hint: `add to the node in lab.yaml: ssh: { user: ubuntu, port: 22, identity_file: ~/.ssh/id_ed25519 }`,
      node: node.name,
    });
  return node.ssh;
}

/**
 * The value of `key` inside the `Host <host>` block of an ssh_config text
 * (first match wins, as in ssh). Only plain `Host name` blocks are read: that is
 * all `vagrant ssh-config` and renderSshConfig write.
 */
export function sshConfigValue(text: string, host: string, key: string): string | undefined {
  let inside = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const [, k = '', v = ''] = m;
    if (k.toLowerCase() === 'host') inside = v.split(/\s+/).includes(host);
    else if (inside && k.toLowerCase() === key.toLowerCase()) return v.replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}
