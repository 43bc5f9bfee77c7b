import type { K8sObject } from './schema-validation.ts';
import { selects, type LabelSelector } from './workloads.ts';

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port?: number | string }[];
}
interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

export interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/**
 * Decides, as a CNI that enforces NetworkPolicy would, whether TCP traffic from one pod to a port of another
 * is allowed by the policies of a rendering. Pods are in namespaces labelled only with their name.
 */
export class NetworkPolicies {
  private readonly policies: { namespace: string; spec: PolicySpec }[];

  constructor(objects: readonly K8sObject[]) {
    this.policies = objects
      .filter((o) => o.kind === 'NetworkPolicy')
      .map((o) => ({ namespace: o.metadata.namespace ?? 'default', spec: o.spec as unknown as PolicySpec }));
  }

  get count(): number {
    return this.policies.length;
  }

  /** The policies selecting a pod, excluding those with no rules at all (deny-all). */
  allowingPoliciesFor(pod: Pod): number {
    return this.policies.filter((p) => p.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels) && ((p.spec.ingress?.length ?? 0) > 0 || (p.spec.egress?.length ?? 0) > 0)).length;
  }

  allows(from: Pod, to: Pod, port: number): boolean {
    return this.direction(from, to, port, 'Egress') && this.direction(to, from, port, 'Ingress');
  }

  private direction(subject: Pod, other: Pod, port: number, type: 'Ingress' | 'Egress'): boolean {
    const applying = this.policies.filter((p) => p.namespace === subject.namespace && selects(p.spec.podSelector, subject.labels) && this.types(p.spec).includes(type));
    if (applying.length === 0) return true;
    return applying.some((p) =>
      (type === 'Ingress' ? p.spec.ingress : p.spec.egress)?.some((rule) => this.ruleMatches(rule, type === 'Ingress' ? rule.from : rule.to, p.namespace, other, port)),
    );
  }

  private types(spec: PolicySpec): string[] {
    return spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
  }

  private ruleMatches(rule: Rule, peers: Peer[] | undefined, policyNamespace: string, other: Pod, port: number): boolean {
    const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port));
    if (!portOk) return false;
    if (!peers || peers.length === 0) return true;
    return peers.some((peer) => {
      if (peer.ipBlock) return false;
      const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace }) : other.namespace === policyNamespace;
      return namespaceOk && selects(peer.podSelector, other.labels);
    });
  }
}
