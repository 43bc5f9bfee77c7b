/**
 * Shutdown order: readiness fails first, then live streams are ended (so their
 * clients reconnect to another replica), then the server drains.
 */
export class Lifecycle {
  private drainingSince: number | undefined;
  private readonly closers = new Set<() => void>();

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  /** Registers something long-lived (a stream) to end when draining; returns its removal. */
  onDrain(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  closeLongLived(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
  }
}
