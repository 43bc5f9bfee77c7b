import { Pushgateway, type Registry } from 'prom-client';

/**
 * A CronJob run ends before Prometheus could scrape it, so it pushes its
 * metrics instead. PUT replaces the group's previous run: the values are this
 * run's, and the Pushgateway's push_time_seconds says when it ran.
 */
export async function pushMetrics(registry: Registry, url: string, grouping: { source: string }, timeoutMs: number): Promise<void> {
  const gateway = new Pushgateway(url, { timeout: timeoutMs }, registry);
  await gateway.push({ jobName: 'pulse-producer', groupings: grouping });
}
