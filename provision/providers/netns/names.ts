import { ProviderError } from '../../transports/errors.ts';
import type { LabNode } from '../../types.ts';

/**
 * Everything the netns provider creates is named from the lab id, so two labs
 * (or two test files) never collide and destroy finds exactly what up made.
 * Linux interface names are at most 15 bytes: `clab-<id>` (bridge) and
 * `clab-<id>-<i>` (host end of each veth) fit when the id has at most 7 characters.
 */

const LAB_ID = /^[a-z0-9]{1,7}$/;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export interface NetnsNames {
  bridge: string;
  /** Host address on the bridge (the .1 of the nodes' /24). */
  gateway: string;
  /** The nodes' /24, e.g. 10.213.1.0/24. */
  subnet: string;
  nodes: { node: LabNode; namespace: string; veth: string }[];
}

/** `strict: false` skips the node-name check: plan() must render even names validation rejects, safely quoted. */
export function labNames(labId: string, nodes: readonly LabNode[], strict = true): NetnsNames {
  if (!LAB_ID.test(labId))
    throw new ProviderError(`netns: lab id "${labId}" is not 1-7 lower-case letters or digits`, {
      hint: 'interface names are limited to 15 bytes; choose a short id such as "lab" or "t1"',
    });
  const first = nodes[0];
  if (first === undefined)
    throw new ProviderError('netns: no nodes given', { hint: 'list nodes in lab.yaml' });
  const prefix = subnetOf(first);
  const seen = new Set<string>();
  const out = nodes.map((node, i) => {
    if (strict && !NODE_NAME.test(node.name))
      throw new ProviderError(`netns: node name "${node.name}" must be letters, digits and '-'`, {
        hint: 'rename the node in lab.yaml (it becomes a namespace name and a hostname)',
      });
    if (subnetOf(node) !== prefix)
      throw new ProviderError(
        `netns: node ${node.name} has ip ${node.ip}, outside ${prefix}.0/24 of ${first.name}`,
        {
          hint: 'put every node in one /24, e.g. 192.168.56.10-12',
        },
      );
    const last = Number(node.ip.split('.')[3]);
    if (last < 2 || last > 254)
      throw new ProviderError(`netns: node ${node.name} has ip ${node.ip}; the last number must be 2-254`, {
        hint: '.1 is the host end of the bridge',
      });
    if (seen.has(node.ip) || seen.has(node.name))
      throw new ProviderError(`netns: node ${node.name} (${node.ip}) repeats a name or address`, {
        hint: 'give every node its own name and address',
      });
    seen.add(node.ip).add(node.name);
    return { node, namespace: `clab-${labId}-${node.name}`, veth: `clab-${labId}-${i}` };
  });
  return { bridge: `clab-${labId}`, gateway: `${prefix}.1`, subnet: `${prefix}.0/24`, nodes: out };
}

function subnetOf(node: LabNode): string {
  const m = IPV4.exec(node.ip);
  if (!m || m.slice(1).some((p) => Number(p) > 255))
    throw new ProviderError(`netns: node ${node.name} has ip "${node.ip}", not an IPv4 address`, {
      hint: 'use dotted IPv4 such as 192.168.56.10',
    });
  return m.slice(1, 4).join('.');
}
