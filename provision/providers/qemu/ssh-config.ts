import type { LabNode } from '../../types.ts';
import type { BaseImage } from './image.ts';

/** The lab's ssh_config for its VMs: each node is 127.0.0.1 at its forwarded port, as the image's `vagrant` user. */
export function renderQemuSshConfig(
  nodes: readonly LabNode[],
  sshPort: (node: string) => number | undefined,
  image: Pick<BaseImage, 'key' | 'user'>,
): string {
  const blocks = nodes.flatMap((n) => {
    const port = sshPort(n.name);
    if (port === undefined) return [];
    return [
      [
        `Host ${n.name}`,
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        `  User ${image.user}`,
        `  IdentityFile "${image.key}"`,
        '  IdentitiesOnly yes',
      ].join('\n'),
    ];
  });
  return `# Written by crawl-lab's qemu provider on every lab:up.\n${blocks.join('\n\n')}\n`;
}
